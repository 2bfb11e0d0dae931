import type { Command } from 'commander';
import { openPipeline } from '../engine/pipeline.ts';
import { planMigration } from '../engine/plan.ts';
import { openContext } from './context.ts';
import { formatPlan } from './format.ts';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('dry run: what would be created, updated, deleted or rejected; hash census; duplicates; estimate')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--json', 'print the plan as JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      const { config, ledger, baseDir } = await openContext(opts.config);
      const { source, mapper, target } = await openPipeline(config, baseDir);
      try {
        const report = await planMigration({ config, ledger, source, mapper, target });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPlan(report)}\n`);
      } finally {
        await target.close();
        ledger.close();
      }
    });
}

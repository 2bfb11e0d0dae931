import type { Command } from 'commander';
import { openPipeline } from '../engine/pipeline.ts';
import { planMigration } from '../engine/plan.ts';
import { formatPreflight } from '../preflight/format.ts';
import { startPreflight, type RunningPreflight } from '../preflight/index.ts';
import { isReadableTarget } from '../targets/target.ts';
import { openContext } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { formatPlan } from './format.ts';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('dry run: what would be created, updated, deleted or rejected; hash census; duplicates; estimate; checks against the target')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--json', 'print the plan as JSON')
    .option('--offline', 'do not contact the target (skips the token, scope, tenant setup and identifier checks)')
    .option('--list-max <n>', 'most target users listed to find identifiers already taken', '100000')
    .action(async (opts: { config: string; json?: boolean; offline?: boolean; listMax: string }) => {
      const { config, ledger, baseDir } = await openContext(opts.config);
      const { source, mapper, target } = await openPipeline(config, baseDir);
      try {
        // Read-only calls: a token, the tenant's setup, the target's users. Nothing is written.
        const preflight: RunningPreflight | undefined =
          opts.offline || !isReadableTarget(target) ? undefined : await startPreflight(target, { maxListed: Math.max(1, Number(opts.listMax) || 100_000) });
        const report = await planMigration({ config, ledger, source, mapper, target, ...(preflight ? { inspect: (u) => preflight.inspect(u) } : {}) });
        if (preflight) report.preflight = await preflight.finish();
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPlan(report)}\n${formatPreflight(report.preflight)}\n`);
        // Users the target would refuse for its own setup are a finding, as rejects are for run.
        if (report.preflight?.problems.some((p) => p.severity === 'error')) process.exitCode = EXIT.partial;
      } finally {
        await target.close();
        await ledger.close();
      }
    });
}

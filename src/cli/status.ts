import type { Command } from 'commander';
import { openContext } from './context.ts';
import { formatStatus } from './format.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('what the ledger says: users per state, dead letters by reason, last runs')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--json', 'print as JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      const { config, ledger } = await openContext(opts.config);
      try {
        const stats = ledger.stats();
        process.stdout.write(opts.json ? `${JSON.stringify({ name: config.name, ...stats }, null, 2)}\n` : `${formatStatus(config.name, stats)}\n`);
      } finally {
        ledger.close();
      }
    });
}

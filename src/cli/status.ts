import path from 'node:path';
import type { Command } from 'commander';
import { openInbox } from '../ledger/inbox/open.ts';
import { formatSyncStatus } from '../stream/status.ts';
import { openContext } from './context.ts';
import { formatStatus } from './format.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('what the ledger says: users per state, dead letters by reason, last runs; event backlog, rate and lag')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--json', 'print as JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      const { config, ledger, baseDir } = await openContext(opts.config, { offline: true });
      try {
        const stats = await ledger.stats();
        // With a sync section, the event inbox (same file unless configured apart) has its own story.
        const inboxFile =
          config.sync === undefined ? undefined : (config.sync.inbox?.path ?? ledger.file ?? path.resolve(baseDir, `.ciam-migrate/${config.name}.sqlite`));
        const inbox = inboxFile === undefined ? undefined : openInbox(inboxFile);
        try {
          const sync = inbox ? { stats: await inbox.stats(), deadLetters: await inbox.deadLetters(10) } : undefined;
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ name: config.name, ...stats, ...(sync ? { sync } : {}) }, null, 2)}\n`);
          } else {
            process.stdout.write(`${formatStatus(config.name, stats)}\n`);
            if (sync) process.stdout.write(`${formatSyncStatus(sync.stats, sync.deadLetters)}\n`);
          }
        } finally {
          await inbox?.close();
        }
      } finally {
        await ledger.close();
      }
    });
}

import type { Command } from 'commander';
import { createMapper } from '../mapping/index.ts';
import { openInbox } from '../ledger/inbox-open.ts';
import { createLogger } from '../observe/logger.ts';
import { loadSyncConfig } from '../stream/config.ts';
import { formatSyncStatus } from '../stream/status.ts';
import { startSync } from '../stream/sync.ts';
import { inputName } from '../stream/inputs/index.ts';
import { PostgresCdcInput } from '../stream/inputs/postgres-cdc.ts';
import { createTarget } from '../targets/index.ts';
import { EXIT } from './exit-codes.ts';
import { interruptSignal } from './interrupt.ts';

interface SyncOptions {
  config: string;
  untilDrained?: boolean;
  status?: boolean;
  retryDead?: boolean;
  json?: boolean;
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('long-running event-stream sync: webhook, NATS, RabbitMQ, Postgres CDC/outbox and file inputs into the target')
    .requiredOption('-c, --config <file>', 'migration config (YAML) with a sync section')
    .option('--until-drained', 'exit 0 once every input is drained and backlog and lag are zero (cut-over)')
    .option('--status', 'print backlog, rate, lag and dead letters of the event inbox, then exit')
    .option('--retry-dead', 'put dead-lettered events back in their users\' queues, then exit')
    .option('--json', 'with --status: print JSON')
    .action(async (opts: SyncOptions) => {
      const { migration, sync, baseDir, inboxPath } = await loadSyncConfig(opts.config);
      const inbox = openInbox(inboxPath, { synchronous: sync.inbox?.synchronous ?? 'full', thread: sync.inbox?.thread ?? true });
      if (opts.status || opts.retryDead) {
        try {
          if (opts.retryDead) process.stdout.write(`${await inbox.retryDead()} events back in the queue\n`);
          else {
            const s = await inbox.stats();
            const dead = await inbox.deadLetters(10);
            process.stdout.write(opts.json ? `${JSON.stringify({ name: migration.name, ...s, latestDead: dead }, null, 2)}\n` : `${formatSyncStatus(s, dead)}\n`);
          }
        } finally {
          await inbox.close();
        }
        return;
      }
      const logger = createLogger();
      const mapper = await createMapper(migration.mapping, { baseDir }).catch((err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'mapping unusable: only canonical envelopes will decode');
        return undefined;
      });
      const target = createTarget(migration.target);
      try {
        await target.open?.();
      } catch (err) {
        // Refused credentials or a wrong URL: stop now. The inbox's thread would keep the process
        // alive (a service manager would wait for ever instead of restarting it).
        await target.close();
        await inbox.close();
        throw err;
      }
      const interrupt = interruptSignal(() => logger.info({}, 'stopping: inputs ack what is committed, calls in flight settle'));
      const handle = await startSync({ migration, sync, inbox, target, mapper, logger });
      logger.info({ inputs: handle.inputs.map((i) => i.name), health: handle.healthUrl }, 'sync running');
      let fatal: unknown;
      try {
        const stopped = new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
        const work = handle.done.then(
          () => undefined,
          (err: unknown) => {
            fatal = err;
          },
        );
        await Promise.race([stopped, work, ...(opts.untilDrained ? [handle.untilDrained()] : [])]);
      } finally {
        await handle.stop();
        const s = await inbox.stats();
        logger.info({ backlog: s.backlog, applied: s.applied, dead: s.dead, lagMs: s.lagMs }, 'sync stopped');
        if (opts.untilDrained && fatal === undefined && !interrupt.signal.aborted) {
          for (const [n, c] of sync.inputs.entries()) {
            const input = handle.inputs.find((i) => i.name === inputName(c, n));
            if (c.kind === 'postgres-cdc' && c.dropSlotOnDrain && input instanceof PostgresCdcInput) await input.dropSlot();
          }
        }
        interrupt.dispose();
        await target.close();
        await inbox.close();
      }
      if (fatal !== undefined) throw fatal;
      // SIGTERM is how a service manager stops a long-running sync: a clean stop is success.
      process.exitCode = EXIT.ok;
    });
}

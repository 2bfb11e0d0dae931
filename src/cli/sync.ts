import type { Command } from 'commander';
import { createMapper } from '../mapping/index.ts';
import { openInbox } from '../ledger/inbox/open.ts';
import { createLogger } from '../observe/logger.ts';
import { loadSyncConfig } from '../stream/config.ts';
import { formatSyncStatus } from '../stream/status.ts';
import { createNormalisedMapper } from '../stream/materialise.ts';
import { startSync, type SyncHandle } from '../stream/sync.ts';
import { createTarget } from '../targets/index.ts';
import { EXIT } from './exit-codes.ts';
import { interruptSignal } from './interrupt.ts';

interface SyncOptions {
  config: string;
  untilDrained?: boolean;
  status?: boolean;
  retryDead?: boolean;
  releaseDeletes?: boolean;
  json?: boolean;
}

/**
 * Once the command is done, whatever still holds the event loop (a broker client's reconnect timer,
 * a socket that will not close) must not keep the process alive: a service manager restarts a
 * process that exits, not one that hangs.
 */
const EXIT_GRACE_MS = 5_000;

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('long-running event-stream sync: webhook, NATS, RabbitMQ, Postgres CDC/outbox and file inputs into the target')
    .requiredOption('-c, --config <file>', 'migration config (YAML) with a sync section')
    .option('--until-drained', 'stop once every input is drained and nothing is left to apply (cut-over); exit 3 if dead letters or held deletes remain')
    .option('--status', 'print backlog, rate, lag, skipped events, dead letters and held deletes of the event inbox, then exit')
    .option('--retry-dead', "put dead-lettered events back in their users' queues, then exit")
    .option('--release-deletes', 'let the deletes held by the delete cap (sync.maxDeletesPerMinute) through, then exit')
    .option('--json', 'with --status: print JSON')
    .action(async (opts: SyncOptions) => {
      // The inbox-only commands never contact the target or an input: their credentials may be unset.
      const inboxOnly = opts.status === true || opts.retryDead === true || opts.releaseDeletes === true;
      const { migration, sync, baseDir, inboxPath } = await loadSyncConfig(opts.config, process.env, { offline: inboxOnly });
      const inbox = openInbox(inboxPath, { synchronous: sync.inbox?.synchronous ?? 'full', thread: sync.inbox?.thread ?? true });
      if (inboxOnly) {
        try {
          if (opts.retryDead) process.stdout.write(`${await inbox.retryDead()} events back in the queue\n`);
          else if (opts.releaseDeletes) process.stdout.write(`${await inbox.releaseDeletes()} held deletes released: a running sync applies them now\n`);
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
      const target = createTarget(migration.target);
      let handle: SyncHandle | undefined;
      const interrupt = interruptSignal(() => logger.info({}, 'stopping: inputs ack what is committed, calls in flight settle'));
      let fatal: unknown;
      let drained: Awaited<ReturnType<SyncHandle['untilDrained']>> | undefined;
      try {
        const mapper = await createMapper(migration.mapping, { baseDir }).catch((err: unknown) => {
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'mapping unusable: only canonical envelopes will decode');
          return undefined;
        });
        const normalisedMapper = await createNormalisedMapper(migration, baseDir);
        await target.open?.();
        handle = await startSync({ migration, sync, inbox, target, mapper, normalisedMapper, logger });
        logger.info({ inputs: handle.inputs.map((i) => i.name), health: handle.healthUrl }, 'sync running');
        const stopped = new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
        const work = handle.done.then(
          () => undefined,
          (err: unknown) => {
            fatal = err;
          },
        );
        const untilDrained = opts.untilDrained
          ? handle.untilDrained().then((r) => {
              drained = r;
            })
          : new Promise<never>(() => undefined);
        await Promise.race([stopped, work, untilDrained]);
      } catch (err) {
        fatal ??= err;
      } finally {
        await handle?.stop();
        if (handle) {
          const s = await inbox.stats();
          logger.info({ backlog: s.backlog, applied: s.applied, skipped: s.skipped, duplicates: s.duplicates, dead: s.dead, heldDeletes: s.heldDeletes, lagMs: s.lagMs }, 'sync stopped');
        }
        // The end of a migration: each input's own clean-up (a replication slot dropped, if so configured).
        if (handle && drained && fatal === undefined && !interrupt.signal.aborted) {
          for (const input of handle.inputs) await input.afterDrained?.();
        }
        interrupt.dispose();
        await target.close().catch(() => undefined);
        await inbox.close().catch(() => undefined);
        setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
      }
      if (fatal !== undefined) throw fatal;
      if (drained && (drained.stats.dead > 0 || drained.stats.heldDeletes > 0)) {
        const held = drained.stats.heldDeletes;
        process.stderr.write(
          `ciam-migrate sync: drained, but ${drained.stats.dead} dead letters${held > 0 ? ` and ${held} held deletes (release them with --release-deletes)` : ''} remain; see sync --status\n`,
        );
        process.exitCode = EXIT.partial;
        return;
      }
      // SIGTERM is how a service manager stops a long-running sync: a clean stop is success.
      process.exitCode = EXIT.ok;
    });
}

import path from 'node:path';
import type { Command } from 'commander';
import { openPipeline } from '../engine/pipeline.ts';
import { createLogger } from '../observe/logger.ts';
import { createProgress } from '../observe/progress.ts';
import { boundHeapGrowth } from '../runtime/heap.ts';
import { isReadableTarget } from '../targets/target.ts';
import { formatVerify } from '../verify/format.ts';
import { InboxLookup } from '../verify/inflight.ts';
import { verifyMigration } from '../verify/reconcile.ts';
import { redactReport } from '../verify/report.ts';
import { VerifyBusyError } from '../verify/store.ts';
import { openContext } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { interruptSignal } from './interrupt.ts';

interface VerifyOptions {
  config: string;
  json?: boolean;
  sample?: string;
  seed?: string;
  includeEmails?: boolean;
  requeue?: boolean;
  restart?: boolean;
  list?: boolean;
  concurrency?: string;
}

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('read the target back and reconcile source, ledger and target: missing, unexpected and drifted users; exit 0 only with zero drift')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--json', 'print the report as JSON')
    .option('--sample <n>', 'read about n users drawn at random instead of all of them, and state what that proves')
    .option('--seed <n>', 'seed of the random sample (default: random)')
    .option('--include-emails', 'show e-mail addresses in the findings (PII: off by default)')
    .option('--requeue', 'put missing and drifted users back in the queue: the next run repairs them')
    .option('--restart', 'discard the progress of an unfinished verification and start again')
    .option('--no-list', 'skip the listing of every target user (it finds users the migration does not know of)')
    .option('--concurrency <n>', 'most reads in flight (adaptive below it)', '16')
    .action(async (opts: VerifyOptions) => {
      const sample = positive('--sample', opts.sample);
      const seed = opts.seed !== undefined ? Number(opts.seed) : undefined;
      const concurrency = positive('--concurrency', opts.concurrency) ?? 16;
      boundHeapGrowth();
      const logger = createLogger();
      const { config, ledger, baseDir } = await openContext(opts.config);
      const { source, mapper, target } = await openPipeline(config, baseDir);
      const inboxFile = config.sync?.inbox?.path !== undefined ? path.resolve(config.sync.inbox.path) : ledger.file;
      const inbox = new InboxLookup(inboxFile);
      const interrupt = interruptSignal(() => process.stderr.write('\nInterrupted: finishing reads in flight, then stopping (Ctrl-C again to quit now)\n'));
      const progress = { source: createProgress('verifying', logger), ledger: createProgress('left the source', logger), list: createProgress('listing', logger) };
      try {
        if (!isReadableTarget(target)) throw new Error(`${target.name}: this target has no read paths; verify cannot read it back`);
        const report = await verifyMigration({
          config,
          ledger,
          source,
          mapper,
          reader: target.reader(),
          inbox,
          ...(sample !== undefined ? { sample } : {}),
          ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
          concurrency: { initial: Math.min(4, concurrency), max: concurrency, queueingTolerance: config.run.queueingTolerance },
          maxAttempts: config.run.maxAttempts,
          requeue: opts.requeue === true,
          restart: opts.restart === true,
          skipListing: opts.list === false,
          signal: interrupt.signal,
          onProgress: (p) => progress[p.phase].update(p.judged, p.total),
        });
        for (const p of Object.values(progress)) p.done();
        const shown = redactReport(report, opts.includeEmails === true);
        process.stdout.write(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : `${formatVerify(shown, opts.config)}\n`);
        process.exitCode = report.exitCode === 130 ? EXIT.interrupted : report.exitCode === 1 ? EXIT.fatal : report.exitCode === 3 ? EXIT.partial : EXIT.ok;
      } catch (err) {
        if (err instanceof VerifyBusyError) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = EXIT.fatal;
          return;
        }
        throw err;
      } finally {
        interrupt.dispose();
        inbox.close();
        await target.close();
        await ledger.close();
      }
    });
}

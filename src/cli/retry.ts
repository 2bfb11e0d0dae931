import type { Command } from 'commander';
import { backoffWithJitter } from '../delivery/backoff.ts';
import { deliver } from '../engine/deliver.ts';
import { openPipeline } from '../engine/pipeline.ts';
import { newOwnerId } from '../ledger/index.ts';
import { openContext } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { interruptSignal } from './interrupt.ts';

export function registerRetryCommand(program: Command): void {
  program
    .command('retry')
    .description('put dead-lettered users back in the queue (all, or those whose reason contains --reason) and send them')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--reason <text>', 'only dead letters whose reason contains this text')
    .option('--no-send', 'only requeue; the next run sends them')
    .action(async (opts: { config: string; reason?: string; send: boolean }) => {
      const { config, ledger, baseDir } = await openContext(opts.config);
      const owner = newOwnerId();
      await ledger.acquire(owner);
      try {
        const { requeued, goneFromSource, fullReadRun } = await ledger.retryDead(opts.reason !== undefined ? { reason: opts.reason } : {});
        process.stdout.write(`${requeued} dead-lettered users are back in the queue\n`);
        if (goneFromSource > 0) {
          // Sending them would re-create users the source has removed.
          process.stdout.write(
            `${goneFromSource} dead-lettered users are no longer in the source (the full read of run #${fullReadRun} did not see them): not sent again\n`,
          );
          process.exitCode = EXIT.partial;
        }
        if (!opts.send || requeued === 0) return;
        const { target } = await openPipeline(config, baseDir);
        const interrupt = interruptSignal(() => process.stderr.write('\nInterrupted: finishing calls in flight\n'));
        try {
          const totals = await deliver({
            ledger,
            target,
            owner,
            batchSize: Math.min(config.target.batchSize, target.capabilities.maxBatch),
            concurrency: { initial: Math.min(config.run.initialConcurrency, config.run.concurrency), max: config.run.concurrency },
            leaseMs: config.run.leaseMs,
            retry: { maxAttempts: config.run.maxAttempts, backoffMs: (n) => backoffWithJitter(n) },
            signal: interrupt.signal,
          });
          process.stdout.write(
            `sent again: ${totals.created} created, ${totals.updated} updated, ${totals.dead} refused again\n`,
          );
          if (totals.dead > 0) process.exitCode = EXIT.partial;
        } finally {
          interrupt.dispose();
          await target.close();
        }
      } finally {
        await ledger.release(owner);
        await ledger.close();
      }
    });
}

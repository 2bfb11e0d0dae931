import type { Command } from 'commander';
import { runMigration } from '../engine/run.ts';
import { createLogger } from '../observe/logger.ts';
import { createProgress } from '../observe/progress.ts';
import { boundHeapGrowth } from '../runtime/heap.ts';
import { openPipeline } from '../engine/pipeline.ts';
import { openContext } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { formatRunSummary } from './format.ts';
import { interruptSignal } from './interrupt.ts';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('bulk or delta migration: send new and changed users; resumes where it stopped')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--json', 'print the run summary as JSON')
    .option('--full', 'read the whole source even where it could read only what changed since the last run')
    .option('--deletes', 'also delete users that disappeared from the source (within the safety cap)')
    .option('--max-deletes <n>', 'safety cap for --deletes: most users deleted in this run (default: run.maxDeletes)')
    .option('--max-delete-percent <p>', 'safety cap for --deletes: most users deleted, in % (default: run.maxDeletePercent)')
    .action(async (opts: { config: string; json?: boolean; full?: boolean; deletes?: boolean; maxDeletes?: string; maxDeletePercent?: string }) => {
      boundHeapGrowth();
      const logger = createLogger();
      const { config, ledger, baseDir } = await openContext(opts.config);
      const { source, mapper, target } = await openPipeline(config, baseDir);
      const interrupt = interruptSignal(() =>
        process.stderr.write('\nInterrupted: finishing calls in flight, then stopping (Ctrl-C again to quit now)\n'),
      );
      const staging = createProgress('staging', logger);
      const sending = createProgress('sending', logger);
      try {
        const summary = await runMigration({
          config,
          ledger,
          source,
          mapper,
          target,
          signal: interrupt.signal,
          full: opts.full === true,
          baseDir,
          ...(opts.deletes
            ? {
                deletes: {
                  maxCount: opts.maxDeletes !== undefined ? Number(opts.maxDeletes) : config.run.maxDeletes,
                  maxPercent: opts.maxDeletePercent !== undefined ? Number(opts.maxDeletePercent) : config.run.maxDeletePercent,
                },
              }
            : {}),
          onStageProgress: (c) => staging.update(c.read, c.read),
          onDeliverProgress: (t, queued) => sending.update(t.users, queued),
        });
        staging.done();
        sending.done();
        process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatRunSummary(summary)}\n`);
        if (summary.status === 'interrupted') {
          process.stdout.write(`Stopped before the end. Resume with: ciam-migrate run -c ${opts.config}\n`);
          process.exitCode = EXIT.interrupted;
        } else if (summary.deletes.kind === 'refused') {
          process.exitCode = EXIT.fatal;
        } else if (summary.deadLetters > 0 || summary.staged.rejected > 0) {
          process.exitCode = EXIT.partial;
        }
      } finally {
        interrupt.dispose();
        await target.close();
        await ledger.close();
      }
    });
}

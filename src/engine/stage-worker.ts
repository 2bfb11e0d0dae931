/**
 * Worker-thread entry: reads the source, maps and stages it into the ledger through its own SQLite
 * connection, so the main thread's event loop is left to delivery. No top-level await: the tsx
 * bootstrap loads this module with require().
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MigrationConfig } from '../config/schema.ts';
import type { HashCensus } from '../hashes/census.ts';
import { SqliteLedger } from '../ledger/sqlite.ts';
import { targetCensus } from './census.ts';
import { openPipeline } from './pipeline.ts';
import { stageSource, type StageCounts } from './stage.ts';

export interface StageWorkerInput {
  config: MigrationConfig;
  baseDir: string;
  ledgerFile: string;
  runId: number;
  since?: string;
}

export type StageWorkerMessage =
  | { type: 'progress'; counts: StageCounts }
  | { type: 'done'; counts: StageCounts; census: ReturnType<HashCensus['toJSON']> }
  | { type: 'error'; message: string; name: string };

const input = workerData as StageWorkerInput;
const abort = new AbortController();
parentPort?.on('message', (m: { type: string }) => {
  if (m.type === 'abort') abort.abort(new Error('interrupted'));
});
const post = (m: StageWorkerMessage) => parentPort?.postMessage(m);

void (async () => {
  const ledger = new SqliteLedger(input.ledgerFile);
  const { source, mapper, target } = await openPipeline(input.config, input.baseDir);
  const { census, add } = targetCensus(target);
  let last = 0;
  let outcome: StageWorkerMessage;
  try {
    const counts = await stageSource({
      ledger,
      runId: input.runId,
      source,
      mapper,
      signal: abort.signal,
      ...(input.since !== undefined ? { since: input.since } : {}),
      inspect: add,
      onChunk: (c) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        post({ type: 'progress', counts: { ...c } });
      },
    });
    outcome = { type: 'done', counts, census: census.toJSON() };
  } catch (err) {
    outcome = { type: 'error', message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' };
  }
  // Closed before answering: the main thread ends this thread as soon as it has the answer.
  await target.close();
  ledger.close();
  post(outcome);
})();

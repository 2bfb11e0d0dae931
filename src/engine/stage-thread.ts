import type { CensusReport } from '../hashes/census.ts';
import { siblingModule, startTsWorker } from '../runtime/ts-worker.ts';
import type { StageCounts } from './stage.ts';
import type { StageWorkerInput, StageWorkerMessage } from './stage-worker.ts';

/** Staging holds one chunk of users at a time: a small heap keeps the process's memory flat. */
const STAGING_HEAP = { maxOldGenerationSizeMb: 96 };

export interface StagedInThread {
  counts: StageCounts;
  census: CensusReport;
}

/** Stage the source on a worker thread (see stage-worker.ts); resolves when the whole source is in. */
export function stageInThread(
  input: StageWorkerInput,
  options: { signal?: AbortSignal; onChunk?: (counts: StageCounts) => void },
): Promise<StagedInThread> {
  const worker = startTsWorker(siblingModule(import.meta.url, 'stage-worker'), input, STAGING_HEAP);
  const onAbort = () => worker.postMessage({ type: 'abort' });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<StagedInThread>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: StageWorkerMessage) => {
      if (m.type === 'progress') return options.onChunk?.(m.counts);
      // The thread has closed its ledger connection; end it, since the TypeScript loader it runs
      // under can keep a thread alive (and with it the process).
      void worker.terminate();
      if (m.type === 'done') {
        settled = true;
        options.onChunk?.(m.counts);
        resolve({ counts: m.counts, census: m.census });
      } else {
        settled = true;
        const err = new Error(m.message);
        err.name = m.name;
        reject(err);
      }
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (!settled) reject(new Error(`the staging thread stopped unexpectedly (exit code ${code})`));
    });
  });
}

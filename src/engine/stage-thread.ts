import type { CensusReport } from '../hashes/census.ts';
import { siblingModule, startTsWorker } from '../runtime/ts-worker.ts';
import type { ReadyQueue } from './ready-queue.ts';
import type { StageCounts, Stager } from './stager.ts';
import type { StageWorkerCommand, StageWorkerInput, StageWorkerMessage } from './stage-worker.ts';

/** Staging holds a few chunks of users at a time: a small heap keeps the process's memory flat. */
const STAGING_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 48 };
/** Users per chunk: one ledger transaction on the main thread, short enough not to delay responses. */
const CHUNK = 200;
/** Chunks in transit between the threads. */
const WINDOW = 4;

export interface StagedInThread {
  counts: StageCounts;
  census: CensusReport;
}

/**
 * Read and map the source on a worker thread (see stage-worker.ts) while this thread writes its
 * chunks to the ledger with `stager`; resolves when the whole source is in. With a ready queue,
 * chunks wait while the queue is full, so memory stays bounded whatever the source's size.
 */
export function stageInThread(
  input: Pick<StageWorkerInput, 'config' | 'baseDir' | 'since'>,
  options: { stager: Stager; ready?: ReadyQueue; signal?: AbortSignal; onChunk?: (counts: StageCounts) => void },
): Promise<StagedInThread> {
  const { stager, ready } = options;
  const worker = startTsWorker(siblingModule(import.meta.url, 'stage-worker'), { ...input, chunkSize: CHUNK, window: WINDOW } satisfies StageWorkerInput, STAGING_HEAP);
  const command = (c: StageWorkerCommand) => worker.postMessage(c);
  const onAbort = () => command({ type: 'abort' });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const waiting: Array<Extract<StageWorkerMessage, { type: 'chunk' }>> = [];
  let failed = false;
  const pump = () => {
    while (!failed && waiting.length > 0 && (ready?.hasRoom() ?? true)) {
      const chunk = waiting.shift() as Extract<StageWorkerMessage, { type: 'chunk' }>;
      const send = stager.stage(chunk);
      command({ type: 'ack', seq: chunk.seq, send });
      options.onChunk?.(stager.counts);
    }
  };
  const offSpace = ready?.onSpace(pump);
  return new Promise<StagedInThread>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      failed = true;
      settled = true;
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    worker.on('message', (m: StageWorkerMessage) => {
      if (m.type === 'chunk') {
        waiting.push(m);
        try {
          pump();
        } catch (err) {
          // The ledger refused a write: stop the thread, the run fails with the ledger's error.
          void worker.terminate();
          fail(err);
        }
        return;
      }
      // The thread has answered for good; end it, since the TypeScript loader it runs under can
      // keep a thread alive (and with it the process).
      void worker.terminate();
      if (m.type === 'done') {
        settled = true;
        options.onChunk?.(stager.counts);
        resolve({ counts: stager.counts, census: m.census });
      } else {
        const err = new Error(m.message);
        err.name = m.name;
        fail(err);
      }
    });
    worker.once('error', fail);
    worker.once('exit', (code) => {
      offSpace?.();
      options.signal?.removeEventListener('abort', onAbort);
      if (!settled) fail(new Error(`the staging thread stopped unexpectedly (exit code ${code})`));
    });
  });
}

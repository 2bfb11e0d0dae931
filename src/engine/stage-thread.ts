import { afterRequestWrites } from '../delivery/http-client.ts';
import type { CensusReport } from '../hashes/census.ts';
import { siblingModule, startTsWorker } from '../runtime/ts-worker.ts';
import type { Mapper } from '../mapping/index.ts';
import type { Source } from '../sources/source.ts';
import type { targetCensus } from './census.ts';
import { prepareChunks } from './prepare.ts';
import type { ReadyQueue } from './ready-queue.ts';
import type { StageCounts, Stager } from './stager.ts';
import type { IdentifierCheck } from './identifier-policy.ts';
import type { StageWorkerCommand, StageWorkerInput, StageWorkerMessage } from './stage-worker.ts';

/** Staging holds a few chunks of users at a time: a small heap keeps the process's memory flat. */
const STAGING_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 48 };
/** Users per chunk: one ledger transaction on the main thread, short enough not to delay responses. */
const CHUNK = 200;

/** Chunks in transit between the threads. */
const WINDOW = 4;

type TargetCensus = ReturnType<typeof targetCensus>;

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
  options: {
    stager: Stager;
    ready?: ReadyQueue;
    signal?: AbortSignal;
    onChunk?: (counts: StageCounts) => void;
    /**
     * A stable-order source this thread reads itself while the staging thread loads (its modules
     * take the better part of a second); the thread then starts after the records staged here.
     */
    head?: { source: Source; mapper: Mapper; census: TargetCensus; identifiers?: IdentifierCheck };
  },
): Promise<StagedInThread> {
  const { stager, ready, head } = options;
  const worker = startTsWorker(siblingModule(import.meta.url, 'stage-worker'), { ...input, chunkSize: CHUNK, window: WINDOW } satisfies StageWorkerInput, STAGING_HEAP);
  const command = (c: StageWorkerCommand) => worker.postMessage(c);
  const onAbort = () => command({ type: 'abort' });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const waiting: Array<Extract<StageWorkerMessage, { type: 'chunk' }>> = [];
  let failed = false;
  // Set once the promise below exists: a ledger error while staging fails the whole staging.
  let fail: (err: unknown) => void = () => undefined;
  // One pass at a time, each chunk awaited before the next: chunks reach the ledger in the source's
  // order. A chunk that arrives meanwhile is taken by the pass under way (it looks again after each).
  let pumping = false;
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (!failed && waiting.length > 0 && (ready?.hasRoom() ?? true)) {
        const chunk = waiting.shift() as Extract<StageWorkerMessage, { type: 'chunk' }>;
        const send = await stager.stage(chunk);
        command({ type: 'ack', seq: chunk.seq, send });
        options.onChunk?.(stager.counts);
      }
    } finally {
      pumping = false;
    }
  };
  // The ledger refused a write: stop the thread, the run fails with the ledger's error.
  const pumpOrFail = () =>
    pump().catch((err: unknown) => {
      void worker.terminate();
      fail(err);
    });
  // Room appears while a call is being taken: stage after it has gone out, not before.
  let pumpScheduled = false;
  const offSpace = ready?.onSpace(() => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    void afterRequestWrites().then(() => {
      pumpScheduled = false;
      return pumpOrFail();
    });
  });
  let loaded = false;
  let onLoaded: () => void = () => undefined;
  const whenLoaded = new Promise<void>((resolve) => (onLoaded = resolve));
  return new Promise<StagedInThread>((resolve, reject) => {
    let settled = false;
    fail = (err: unknown) => {
      failed = true;
      settled = true;
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const begin = async () => {
      const skip = head ? await stageHead(head, stager, () => loaded, { ...options, ...(input.since !== undefined ? { since: input.since } : {}) }) : 0;
      await whenLoaded;
      command({ type: 'start', skip });
    };
    begin().catch((err: unknown) => {
      void worker.terminate();
      fail(err);
    });
    worker.on('message', (m: StageWorkerMessage) => {
      if (m.type === 'ready') {
        loaded = true;
        onLoaded();
        return;
      }
      if (m.type === 'chunk') {
        waiting.push(m);
        void pumpOrFail();
        return;
      }
      // The thread has answered for good; end it, since the TypeScript loader it runs under can
      // keep a thread alive (and with it the process).
      void worker.terminate();
      if (m.type === 'done') {
        settled = true;
        options.onChunk?.(stager.counts);
        let census = m.census;
        if (head) {
          head.census.census.absorb(m.census);
          census = head.census.census.toJSON();
        }
        resolve({ counts: stager.counts, census });
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

/**
 * Stage the source on this thread until the staging thread has loaded; returns how many records
 * were read here, for the thread to skip. Stops at a chunk boundary, so the count is exact.
 */
async function stageHead(
  head: { source: Source; mapper: Mapper; census: TargetCensus; identifiers?: IdentifierCheck },
  stager: Stager,
  loaded: () => boolean,
  options: { ready?: ReadyQueue; signal?: AbortSignal; since?: string; onChunk?: (counts: StageCounts) => void },
): Promise<number> {
  let read = 0;
  if (loaded()) return read;
  for await (const chunk of prepareChunks({
    source: head.source,
    mapper: head.mapper,
    chunkSize: CHUNK,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(head.identifiers ? { identifiers: head.identifiers } : {}),
  })) {
    for (const i of await stager.stage(chunk)) {
      const user = chunk.mapped[i];
      if (user !== undefined) head.census.add(user);
    }
    options.onChunk?.(stager.counts);
    read = chunk.read;
    if (loaded()) break;
    await options.ready?.whenRoom();
    // A turn of the event loop: the thread's "ready" and the target's answers get through.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (loaded()) break;
  }
  return read;
}

/**
 * Worker-thread entry: reads the source, maps, serialises and fingerprints it, and posts the chunks
 * to the main thread, which writes them to the ledger. The thread never touches the ledger, so the
 * one writer (the main thread) never waits on a lock. No top-level await: the tsx bootstrap loads
 * this module with require().
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MigrationConfig } from '../config/schema.ts';
import type { HashCensus } from '../hashes/census.ts';
import type { SourceReject, StagedUser } from '../ledger/index.ts';
import type { User } from '../model/index.ts';
import type { EncodedPayload, UserPreview } from '../targets/target.ts';
import { passwordFormat, targetCensus } from './census.ts';
import { identifierCheck } from './identifier-policy.ts';
import { openPipeline } from './pipeline.ts';
import { prepareChunks } from './prepare.ts';

export interface StageWorkerInput {
  config: MigrationConfig;
  baseDir: string;
  since?: string;
  chunkSize: number;
  /** Chunks posted but not yet written by the main thread; bounds this thread's memory. */
  window: number;
}

export type StageWorkerMessage =
  | { type: 'ready' }
  | {
      type: 'chunk';
      seq: number;
      users: StagedUser[];
      payloads?: Array<EncodedPayload | undefined>;
      rejects: SourceReject[];
      held?: Array<[number, string]>;
      notes?: Array<[number, string[]]>;
      read: number;
      cursor?: string;
    }
  | { type: 'done'; census: ReturnType<HashCensus['toJSON']> }
  | { type: 'error'; message: string; name: string };

/**
 * From the main thread: start reading, past the records it staged itself while this thread was
 * loading; a chunk was written, and these of its users will be sent; stop.
 */
export type StageWorkerCommand = { type: 'start'; skip: number } | { type: 'ack'; seq: number; send: number[] } | { type: 'abort' };

const input = workerData as StageWorkerInput;
const abort = new AbortController();
/**
 * Per chunk until its ack, what the census needs of each user: the password format and preview of
 * an encoded user, or the user itself (so that encoded users are not kept alive any longer).
 */
const unacked = new Map<number, Array<{ format: string; preview: UserPreview } | User>>();
let onAck: (() => void) | undefined;
let census: ReturnType<typeof targetCensus> | undefined;
/**
 * Encoding for the target ahead pays off when most users are sent (a first load) and is waste when
 * most are unchanged (a delta): follow what the ledger said about the last chunk.
 */
let encodeAhead = true;

let start: ((skip: number) => void) | undefined;
const started = new Promise<number>((resolve) => (start = resolve));

parentPort?.on('message', (m: StageWorkerCommand) => {
  if (m.type === 'start') {
    start?.(m.skip);
  } else if (m.type === 'abort') {
    abort.abort(new Error('interrupted'));
    start?.(0);
  } else {
    const entries = unacked.get(m.seq);
    unacked.delete(m.seq);
    if (entries !== undefined) {
      // The census counts only users that will be sent, which only the ledger can tell.
      for (const i of m.send) {
        const e = entries[i];
        if (e === undefined) continue;
        if ('preview' in e) census?.addPreview(e.format, e.preview);
        else census?.add(e);
      }
      if (entries.length > 0) encodeAhead = m.send.length * 2 >= entries.length;
    }
  }
  onAck?.();
});
const post = (m: StageWorkerMessage) => parentPort?.postMessage(m);
const acked = (limit: number) =>
  new Promise<void>((resolve) => {
    const check = () => {
      if (unacked.size <= limit || abort.signal.aborted) {
        onAck = undefined;
        resolve();
      } else onAck = check;
    };
    check();
  });

void (async () => {
  const { source, mapper, target } = await openPipeline(input.config, input.baseDir);
  census = targetCensus(target);
  const encodeUser = target.encode.bind(target);
  const encode = (user: User) => (encodeAhead ? encodeUser(user) : undefined);
  post({ type: 'ready' });
  const skip = await started;
  let outcome: StageWorkerMessage;
  const since = input.since !== undefined ? { since: input.since } : {};
  let identifiers: Awaited<ReturnType<typeof identifierCheck>> = undefined;
  try {
    identifiers = await identifierCheck(input.config.run.duplicateIdentifiers, { source, mapper, signal: abort.signal, ...since });
    let seq = 0;
    for await (const chunk of prepareChunks({
      source,
      mapper,
      chunkSize: input.chunkSize,
      signal: abort.signal,
      skip,
      encode,
      ...(identifiers ? { identifiers } : {}),
      ...since,
    })) {
      seq += 1;
      unacked.set(
        seq,
        chunk.mapped.map((user, i) => {
          const encoded = chunk.encoded[i];
          return encoded !== undefined ? { format: passwordFormat(user), preview: encoded.preview } : user;
        }),
      );
      const { users, rejects, read, cursor, held, notes } = chunk;
      const payloads = chunk.encoded.some((e) => e !== undefined) ? chunk.encoded.map((e) => e?.payload) : undefined;
      post({ type: 'chunk', seq, users, rejects, read, ...(payloads ? { payloads } : {}), ...(held ? { held } : {}), ...(notes ? { notes } : {}), ...(cursor !== undefined ? { cursor } : {}) });
      await acked(input.window - 1);
    }
    await acked(0);
    outcome = { type: 'done', census: census.census.toJSON() };
  } catch (err) {
    outcome = { type: 'error', message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' };
  }
  // Closed before answering: the main thread ends this thread as soon as it has the answer.
  identifiers?.close();
  await target.close();
  post(outcome);
})();

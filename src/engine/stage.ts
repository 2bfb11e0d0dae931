import type { Ledger } from '../ledger/index.ts';
import type { Mapper } from '../mapping/index.ts';
import type { User } from '../model/index.ts';
import type { Source } from '../sources/source.ts';
import type { IdentifierCheck } from './identifier-policy.ts';
import { prepareChunks } from './prepare.ts';
import type { ReadyQueue } from './ready-queue.ts';
import { Stager, type StageCounts } from './stager.ts';

export type { StageCounts } from './stager.ts';

export interface StageOptions {
  ledger: Ledger;
  runId: number;
  source: Source;
  mapper: Mapper;
  signal?: AbortSignal;
  /** Read only records changed since this cursor (incremental sources). */
  since?: string;
  chunkSize?: number;
  onChunk?: (counts: StageCounts) => void;
  /** Called for every user that will be sent (new or changed), e.g. for the hash census. */
  inspect?: (user: User) => void;
  /** Hand new and changed users to this run's delivery in memory (see Stager). */
  handoff?: { owner: string; leaseMs: number; ready: ReadyQueue };
  /** Holds back users that share an identifier (see identifier-policy.ts). */
  identifiers?: IdentifierCheck;
}

/**
 * Stream the source through the mapping into the ledger on this thread, in chunks that each commit
 * in one transaction. Memory stays bounded by the chunk size (and the ready queue's high water).
 */
export async function stageSource(options: StageOptions): Promise<StageCounts> {
  // Small chunks, and a turn of the event loop after each: responses of calls in flight are handled
  // promptly while the source is still being read, so staging never holds back delivery.
  const chunkSize = options.chunkSize ?? 100;
  const stager = new Stager({ ledger: options.ledger, runId: options.runId, ...(options.handoff ? { handoff: options.handoff } : {}) });
  for await (const chunk of prepareChunks({
    source: options.source,
    mapper: options.mapper,
    chunkSize,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.identifiers ? { identifiers: options.identifiers } : {}),
  })) {
    if (options.handoff) await options.handoff.ready.whenRoom();
    for (const i of await stager.stage(chunk)) {
      const user = chunk.mapped[i];
      if (user !== undefined) options.inspect?.(user);
    }
    options.onChunk?.(stager.counts);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return stager.counts;
}

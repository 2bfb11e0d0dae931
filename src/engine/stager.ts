import type { Ledger, SourceReject, StageLease } from '../ledger/index.ts';
import { addNotes, emptyNotes, type MappingNotes } from '../mapping/notes.ts';
import { redactSecrets } from '../observe/redact.ts';
import type { EncodedPayload } from '../targets/target.ts';
import type { PreparedChunk } from './prepare.ts';
import { readyUser, type ReadyQueue, type ReadyUser } from './ready-queue.ts';

export interface StageCounts {
  read: number;
  new: number;
  changed: number;
  unchanged: number;
  queued: number;
  dead: number;
  rejected: number;
  /** What the mapping said of users it made anyway, e.g. a dropped invalid field (see notes.ts). */
  notes: MappingNotes;
  /** The change cursor of the last record read, for sources that read incrementally. */
  cursor?: string;
}

/** A prepared chunk as the ledger writer needs it: users, the target's encodings, rejects. */
export type StagerChunk = Pick<PreparedChunk, 'users' | 'rejects' | 'read' | 'cursor' | 'held' | 'notes'> & {
  /** Index for index with `users`, for users the staging thread encoded ahead. */
  payloads?: Array<EncodedPayload | undefined>;
};

export interface StagerOptions {
  ledger: Ledger;
  runId: number;
  /** Hand new and changed users to this run's delivery in memory, leased to `owner`. */
  handoff?: { owner: string; leaseMs: number; ready: ReadyQueue };
}

/**
 * Writes prepared chunks into the ledger, one transaction each, and keeps the run's counts. The
 * only writer of the ledger during a run (delivery settles on the same thread), so the two never
 * wait on each other's locks.
 */
export class Stager {
  readonly counts: StageCounts = { read: 0, new: 0, changed: 0, unchanged: 0, queued: 0, dead: 0, rejected: 0, notes: emptyNotes() };

  constructor(private readonly options: StagerOptions) {}

  /**
   * Stage one chunk; resolves to the indices of its users that will be sent (new or changed). One
   * ledger call per chunk (two or three with held-back users or rejects), never one per user.
   * Chunks must be staged one after another (each awaited): their order is the source's.
   */
  async stage(chunk: StagerChunk): Promise<number[]> {
    const { ledger, runId, handoff } = this.options;
    const rejects: SourceReject[] = [...chunk.rejects];
    const toSend: number[] = [];
    // Users sharing an identifier with an earlier one are held back, unless the target has them
    // already exactly as they are now (then there is nothing to send anyway).
    const held = await this.heldBack(chunk, rejects);
    const users = held.size === 0 ? chunk.users : chunk.users.filter((_, i) => !held.has(i));
    const indexOf = held.size === 0 ? undefined : chunk.users.flatMap((_, i) => (held.has(i) ? [] : [i]));
    if (users.length > 0) {
      // Once delivery has stopped (a fatal error), users stay pending for the next run instead of
      // piling up in memory under this run's lease.
      const handing = handoff !== undefined && !handoff.ready.isClosed ? handoff : undefined;
      const lease: StageLease | undefined = handing ? { owner: handing.owner, until: Date.now() + handing.leaseMs } : undefined;
      const ready: ReadyUser[] = [];
      (await ledger.stage(runId, users, lease)).forEach((r, k) => {
        const u = users[k];
        const i = indexOf?.[k] ?? k;
        if (u === undefined) return;
        if (r.kind === 'duplicate') {
          rejects.push({ position: u.position, sourceId: u.sourceId, reason: `duplicate legacy id (first seen at ${r.firstPosition}); this record was skipped` });
          return;
        }
        this.counts[r.kind] += 1;
        if (r.kind === 'new' || r.kind === 'changed') {
          toSend.push(i);
          if (r.leased) {
            const payload = chunk.payloads?.[i];
            ready.push(readyUser(u.sourceId, u.fingerprint, r.knownToTarget, payload !== undefined ? { payload } : { json: u.json }, r.removed));
          }
        }
      });
      handing?.ready.push(ready);
    }
    if (rejects.length > 0) {
      this.counts.rejected += rejects.length;
      await ledger.recordRejects(runId, rejects);
    }
    for (const [i, notes] of chunk.notes ?? []) {
      const u = chunk.users[i];
      // Kept in the run's summary in the ledger: cleaned as source rejects are.
      if (u !== undefined) addNotes(this.counts.notes, u.position, u.sourceId, notes, (n) => redactSecrets(n, { maxLength: 500 }));
    }
    this.counts.read = chunk.read;
    if (chunk.cursor !== undefined) this.counts.cursor = chunk.cursor;
    return toSend;
  }

  /** The chunk's users to hold back (index set), their rejects added to `rejects`. */
  private async heldBack(chunk: StagerChunk, rejects: SourceReject[]): Promise<Set<number>> {
    const held = new Set<number>();
    if (chunk.held === undefined || chunk.held.length === 0) return held;
    const { ledger, runId } = this.options;
    const known = await ledger.peek(chunk.held.map(([i]) => chunk.users[i]?.sourceId ?? ''));
    const holds: Array<{ sourceId: string; position: string; reason: string }> = [];
    for (const [i, reason] of chunk.held) {
      const u = chunk.users[i];
      if (u === undefined) continue;
      const entry = known.get(u.sourceId);
      if (entry !== undefined && entry.state === 'synced' && entry.op === 'upsert' && entry.fingerprint === u.fingerprint) continue;
      held.add(i);
      holds.push({ sourceId: u.sourceId, position: u.position, reason });
      rejects.push({ position: u.position, sourceId: u.sourceId, reason });
    }
    if (holds.length > 0) await ledger.hold(runId, holds);
    return held;
  }
}

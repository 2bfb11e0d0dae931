import type { Ledger, SourceReject } from '../ledger/index.ts';
import { fingerprintJson } from '../ledger/index.ts';
import type { StagedUser } from '../ledger/ledger.ts';
import type { Mapper } from '../mapping/index.ts';
import type { Source } from '../sources/source.ts';

export interface StageCounts {
  read: number;
  new: number;
  changed: number;
  unchanged: number;
  queued: number;
  dead: number;
  rejected: number;
  /** The change cursor of the last record read, for sources that read incrementally. */
  cursor?: string;
}

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
  inspect?: (user: StagedUser['user']) => void;
}

/**
 * Stream the source through the mapping into the ledger, in chunks that each commit in one
 * transaction. Memory stays bounded by the chunk size whatever the size of the export.
 */
export async function stageSource(options: StageOptions): Promise<StageCounts> {
  const { ledger, runId, source, mapper, signal } = options;
  // Small chunks, and a turn of the event loop after each: responses of calls in flight are handled
  // promptly while the source is still being read, so staging never holds back delivery.
  const chunkSize = options.chunkSize ?? 100;
  const counts: StageCounts = { read: 0, new: 0, changed: 0, unchanged: 0, queued: 0, dead: 0, rejected: 0 };
  let users: StagedUser[] = [];
  let rejects: SourceReject[] = [];

  const flush = () => {
    if (users.length > 0) {
      const results = ledger.stage(runId, users);
      results.forEach((r, i) => {
        if (r.kind === 'duplicate') {
          const u = users[i];
          rejects.push({
            position: u?.position ?? 'unknown',
            sourceId: u?.user.sourceId,
            reason: `duplicate legacy id (first seen at ${r.firstPosition}); this record was skipped`,
          });
        } else {
          counts[r.kind] += 1;
          const u = users[i];
          if (u !== undefined && (r.kind === 'new' || r.kind === 'changed')) options.inspect?.(u.user);
        }
      });
      users = [];
    }
    if (rejects.length > 0) {
      counts.rejected += rejects.length;
      ledger.recordRejects(runId, rejects);
      rejects = [];
    }
    options.onChunk?.(counts);
  };

  for await (const record of source.read(signal, options.since !== undefined ? { since: options.since } : {})) {
    counts.read += 1;
    // Incremental sources return records oldest change first, so the last cursor is the newest.
    if (record.cursor !== undefined) counts.cursor = record.cursor;
    if (record.error !== undefined) {
      rejects.push({ position: record.position, sourceId: undefined, reason: record.error });
    } else {
      const mapped = await mapper.map(record);
      if (mapped.ok) {
        const json = JSON.stringify(mapped.user);
        users.push({ user: mapped.user, json, fingerprint: fingerprintJson(json), position: record.position });
      } else {
        const id = record.data['sourceId'] ?? undefined;
        rejects.push({ position: record.position, sourceId: typeof id === 'string' ? id : undefined, reason: mapped.reason });
      }
    }
    if (users.length + rejects.length >= chunkSize) {
      flush();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (signal?.aborted) break;
  }
  flush();
  return counts;
}

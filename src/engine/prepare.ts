import { fingerprintJson, type SourceReject, type StagedUser } from '../ledger/index.ts';
import type { Mapper } from '../mapping/index.ts';
import type { User } from '../model/index.ts';
import type { Source } from '../sources/source.ts';
import type { UserEncoding } from '../targets/target.ts';
import type { IdentifierCheck } from './identifier-policy.ts';

/** A chunk of the source, mapped and serialised, ready for the ledger. */
export interface PreparedChunk {
  users: StagedUser[];
  /** The mapped users, index for index with `users` (kept where they were made, for the census). */
  mapped: User[];
  /** Index for index with `users`: the target's encoding, for users encoded ahead (see `encode`). */
  encoded: Array<UserEncoding | undefined>;
  rejects: SourceReject[];
  /** Users (index into `users`) that share an identifier and are not to be sent, with the reason. */
  held?: Array<[number, string]>;
  /** Users (index into `users`) the mapping made with notes (see notes.ts). */
  notes?: Array<[number, string[]]>;
  /** Records read so far, valid or not. */
  read: number;
  /** The change cursor of the last record read, for sources that read incrementally. */
  cursor?: string;
}

export interface PrepareOptions {
  source: Source;
  mapper: Mapper;
  signal?: AbortSignal;
  /** Read only records changed since this cursor (incremental sources). */
  since?: string;
  chunkSize: number;
  /** Records another reader already handled (stable-order sources only): counted, not mapped. */
  skip?: number;
  /** Encode a user for the target's bulk call now (undefined: leave it to delivery). */
  encode?: (user: User) => UserEncoding | undefined;
  /**
   * Settles users that share an identifier (see identifier-policy.ts). It sees every record in
   * order, the skipped ones too: whoever comes first keeps an identifier wherever it was staged.
   */
  identifiers?: IdentifierCheck;
}

/**
 * Stream the source through the mapping in chunks: parsing, mapping, serialising and hashing, the
 * CPU-heavy half of staging, with nothing written yet. Memory is bounded by the chunk size.
 */
export async function* prepareChunks(options: PrepareOptions): AsyncGenerator<PreparedChunk> {
  const { source, mapper, signal, chunkSize } = options;
  let chunk: PreparedChunk = { users: [], mapped: [], encoded: [], rejects: [], read: 0 };
  let read = 0;
  let cursor: string | undefined;
  const cut = (): PreparedChunk => {
    const out: PreparedChunk = { ...chunk, read, ...(cursor !== undefined ? { cursor } : {}) };
    if (options.identifiers !== undefined && chunk.users.length > 0) {
      const held = options.identifiers.check(chunk.mapped.map((user, i) => ({ user, position: chunk.users[i]?.position ?? '' })));
      if (held.size > 0) out.held = [...held];
    }
    chunk = { users: [], mapped: [], encoded: [], rejects: [], read };
    return out;
  };
  // Records another reader staged are only registered with the identifier check.
  let skipped: Array<{ user: User; position: string }> = [];
  const registered = (users: Array<{ user: User; position: string }>) => {
    options.identifiers?.check(users);
    return [];
  };
  for await (const record of source.read(signal, options.since !== undefined ? { since: options.since } : {})) {
    read += 1;
    // Incremental sources return records oldest change first, so the last cursor is the newest.
    if (record.cursor !== undefined) cursor = record.cursor;
    if (read <= (options.skip ?? 0)) {
      if (options.identifiers !== undefined && record.error === undefined) {
        const mapped = mapper.map(record);
        if (mapped.ok) skipped.push({ user: mapped.user, position: record.position });
        if (skipped.length >= chunkSize) skipped = registered(skipped);
      }
      continue;
    }
    if (skipped.length > 0) skipped = registered(skipped);
    if (record.error !== undefined) {
      chunk.rejects.push({ position: record.position, sourceId: undefined, reason: record.error });
    } else {
      const mapped = await mapper.map(record);
      if (mapped.ok) {
        const json = JSON.stringify(mapped.user);
        chunk.users.push({ sourceId: mapped.user.sourceId, json, fingerprint: fingerprintJson(json), position: record.position });
        chunk.mapped.push(mapped.user);
        chunk.encoded.push(options.encode?.(mapped.user));
        if (mapped.notes !== undefined) (chunk.notes ??= []).push([chunk.users.length - 1, mapped.notes]);
      } else {
        const id = record.data['sourceId'] ?? undefined;
        chunk.rejects.push({ position: record.position, sourceId: typeof id === 'string' ? id : undefined, reason: mapped.reason });
      }
    }
    if (chunk.users.length + chunk.rejects.length >= chunkSize) yield cut();
    if (signal?.aborted) break;
  }
  yield cut();
}

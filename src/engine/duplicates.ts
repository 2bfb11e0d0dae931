import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { User } from '../model/index.ts';

export type IdentifierKind = 'legacy id' | 'email' | 'phone' | 'username';

export interface DuplicateFinding {
  kind: IdentifierKind;
  firstSourceId: string;
  firstPosition: string;
  sourceId: string;
  position: string;
}

/** What one chunk added: legacy ids seen before, and per user the first identifier it shares. */
export interface ChunkFindings {
  repeated: Set<number>;
  shared: Map<number, DuplicateFinding>;
}

const ALL_KINDS: readonly IdentifierKind[] = ['legacy id', 'email', 'phone', 'username'];

/**
 * Finds identifiers that two legacy users share, in constant memory: the seen values live in a
 * throw-away SQLite file, not in a Map that would grow with the export.
 */
export class DuplicateFinder {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ciam-migrate-dups-'));
  private readonly db = new Database(path.join(this.dir, 'seen.sqlite'));
  private readonly insert;
  private readonly lookup;
  readonly counts: Record<IdentifierKind, number> = { 'legacy id': 0, email: 0, phone: 0, username: 0 };
  readonly samples: DuplicateFinding[] = [];

  private readonly involve;
  private readonly involvement;

  /**
   * `kinds`: the identifiers to track (a run leaves legacy ids to the ledger). `trackInvolved`:
   * remember every user on either side of a shared identifier, for `involvement`.
   */
  constructor(
    private readonly maxSamples = 50,
    private readonly kinds: readonly IdentifierKind[] = ALL_KINDS,
    private readonly trackInvolved = false,
  ) {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`CREATE TABLE seen (kind TEXT NOT NULL, value TEXT NOT NULL, source_id TEXT NOT NULL, position TEXT NOT NULL, PRIMARY KEY (kind, value)) WITHOUT ROWID`);
    this.db.exec(`CREATE TABLE involved (source_id TEXT PRIMARY KEY, kind TEXT NOT NULL, other_id TEXT NOT NULL, other_position TEXT NOT NULL) WITHOUT ROWID`);
    this.insert = this.db.prepare(`INSERT OR IGNORE INTO seen (kind, value, source_id, position) VALUES (?, ?, ?, ?)`);
    this.lookup = this.db.prepare<[string, string], { source_id: string; position: string }>(
      `SELECT source_id, position FROM seen WHERE kind = ? AND value = ?`,
    );
    this.involve = this.db.prepare(`INSERT OR IGNORE INTO involved (source_id, kind, other_id, other_position) VALUES (?, ?, ?, ?)`);
    this.involvement = this.db.prepare<[string], { kind: IdentifierKind; other_id: string; other_position: string }>(
      `SELECT kind, other_id, other_position FROM involved WHERE source_id = ?`,
    );
  }

  /** Records a batch of users, in order; returns the indexes of those whose legacy id was already seen. */
  add(users: Array<{ user: User; position: string }>): Set<number> {
    return this.addChunk(users).repeated;
  }

  /** Records a batch of users, in order; what they repeat of the users recorded before them. */
  addChunk(users: Array<{ user: User; position: string }>): ChunkFindings {
    const repeated = new Set<number>();
    const shared = new Map<number, DuplicateFinding>();
    this.db.transaction(() => {
      users.forEach(({ user, position }, index) => {
        for (const kind of this.kinds) {
          const value = identifierOf(user, kind);
          if (value === undefined) continue;
          if (this.insert.run(kind, value, user.sourceId, position).changes > 0) continue;
          const first = this.lookup.get(kind, value);
          if (first === undefined || (kind !== 'legacy id' && first.source_id === user.sourceId)) continue;
          const finding = { kind, firstSourceId: first.source_id, firstPosition: first.position, sourceId: user.sourceId, position };
          if (kind === 'legacy id') repeated.add(index);
          else if (!shared.has(index)) shared.set(index, finding);
          if (this.trackInvolved && kind !== 'legacy id') {
            this.involve.run(user.sourceId, kind, first.source_id, first.position);
            this.involve.run(first.source_id, kind, user.sourceId, position);
          }
          this.counts[kind] += 1;
          if (this.samples.length < this.maxSamples) this.samples.push(finding);
        }
      });
    })();
    return { repeated, shared };
  }

  /** With `trackInvolved`: the identifier this user shares and one other user it shares it with. */
  involvementOf(sourceId: string): { kind: IdentifierKind; otherSourceId: string; otherPosition: string } | undefined {
    const row = this.involvement.get(sourceId);
    return row === undefined ? undefined : { kind: row.kind, otherSourceId: row.other_id, otherPosition: row.other_position };
  }

  /** Whether this legacy id was recorded (only when legacy ids are tracked). */
  has(sourceId: string): boolean {
    return this.lookup.get('legacy id', sourceId) !== undefined;
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The value two users must not share, normalised as the targets compare it. */
function identifierOf(user: User, kind: IdentifierKind): string | undefined {
  switch (kind) {
    case 'legacy id':
      return user.sourceId;
    case 'email':
      return user.email?.toLowerCase();
    case 'phone':
      return user.phone;
    case 'username':
      return user.username?.toLowerCase();
  }
}

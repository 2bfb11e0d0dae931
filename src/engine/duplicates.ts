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

  constructor(private readonly maxSamples = 50) {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`CREATE TABLE seen (kind TEXT NOT NULL, value TEXT NOT NULL, source_id TEXT NOT NULL, position TEXT NOT NULL, PRIMARY KEY (kind, value)) WITHOUT ROWID`);
    this.insert = this.db.prepare(`INSERT OR IGNORE INTO seen (kind, value, source_id, position) VALUES (?, ?, ?, ?)`);
    this.lookup = this.db.prepare<[string, string], { source_id: string; position: string }>(
      `SELECT source_id, position FROM seen WHERE kind = ? AND value = ?`,
    );
  }

  /** Records a batch of users, in order; returns the indexes of those whose legacy id was already seen. */
  add(users: Array<{ user: User; position: string }>): Set<number> {
    const repeated = new Set<number>();
    this.db.transaction(() => {
      users.forEach(({ user, position }, index) => {
        const ids: Array<[IdentifierKind, string | undefined]> = [
          ['legacy id', user.sourceId],
          ['email', user.email?.toLowerCase()],
          ['phone', user.phone],
          ['username', user.username?.toLowerCase()],
        ];
        for (const [kind, value] of ids) {
          if (value === undefined) continue;
          if (this.insert.run(kind, value, user.sourceId, position).changes > 0) continue;
          const first = this.lookup.get(kind, value);
          if (first === undefined || (kind !== 'legacy id' && first.source_id === user.sourceId)) continue;
          if (kind === 'legacy id') repeated.add(index);
          this.counts[kind] += 1;
          if (this.samples.length < this.maxSamples) {
            this.samples.push({ kind, firstSourceId: first.source_id, firstPosition: first.position, sourceId: user.sourceId, position });
          }
        }
      });
    })();
    return repeated;
  }

  has(sourceId: string): boolean {
    return this.lookup.get('legacy id', sourceId) !== undefined;
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary on-disk key → JSON values table for joining a second export (Auth0 password hashes,
 * Cloudentity credentials) onto the users in constant memory. Several values per key are kept in
 * insertion order. Delete it with `close()`.
 */
export class SideTable {
  private readonly dir = mkdtempSync(join(tmpdir(), 'ciam-join-'));
  private readonly db = new Database(join(this.dir, 'join.sqlite'));
  private readonly insert;
  private readonly select;
  private pending = 0;

  constructor() {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(
      'CREATE TABLE side (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL)',
    );
    this.insert = this.db.prepare('INSERT INTO side (key, kind, value) VALUES (?, ?, ?)');
    this.select = this.db.prepare<[string, string], { value: string }>(
      'SELECT value FROM side WHERE key = ? AND kind = ? ORDER BY seq',
    );
    this.db.exec('BEGIN');
  }

  add(kind: string, key: string, value: unknown): void {
    this.insert.run(key, kind, JSON.stringify(value));
    if (++this.pending >= 10_000) {
      this.db.exec('COMMIT; BEGIN');
      this.pending = 0;
    }
  }

  /** Call once after the last `add`. */
  seal(): void {
    this.db.exec('COMMIT');
    this.db.exec('CREATE INDEX side_key ON side (key, kind)');
  }

  get(kind: string, key: string): unknown[] {
    return this.select.all(key, kind).map((r) => JSON.parse(r.value) as unknown);
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

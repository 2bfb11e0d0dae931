import Database from 'better-sqlite3';
import { fingerprint } from '../../src/ledger/index.ts';
import { User } from '../../src/model/index.ts';

function staged(id: string) {
  const u = User.parse({ sourceId: id, email: `${id}@example.com` });
  return { json: JSON.stringify(u), fingerprint: fingerprint(u) };
}

/**
 * A ledger as ciam-migrate wrote it with schema 1 or 2 (fixture: the layout of src/ledger/schema-sqlite.ts
 * before version 3): users clustered by legacy id, payloads keyed by it.
 */
export function writeOldLedger(file: string, version: number): void {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE payloads (source_id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE users (
      source_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, op TEXT NOT NULL DEFAULT 'upsert', state TEXT NOT NULL,
      synced_fingerprint TEXT, leased_fingerprint TEXT, target_action TEXT, attempts INTEGER NOT NULL DEFAULT 0,
      not_before INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until INTEGER, last_error TEXT, error_code TEXT,
      position TEXT, seen_run INTEGER, updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    ${version === 1 ? 'CREATE INDEX users_queue ON users(state, not_before);' : `CREATE INDEX users_pending ON users(not_before) WHERE state = 'pending';`}
    CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
      status TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '{}');
    CREATE TABLE rejects (run_id INTEGER NOT NULL, position TEXT NOT NULL, source_id TEXT, reason TEXT NOT NULL);
    CREATE INDEX rejects_run ON rejects(run_id);
    CREATE TABLE progress (run_id INTEGER NOT NULL, point TEXT NOT NULL);
    CREATE INDEX progress_run ON progress(run_id);
  `);
  db.prepare(`INSERT INTO meta VALUES ('schema_version', ?)`).run(String(version));
  db.exec(`INSERT INTO runs (kind, started_at, status) VALUES ('run', '2026-01-01T00:00:00Z', 'done')`);
  const insert = db.prepare(
    `INSERT INTO users (source_id, fingerprint, state, synced_fingerprint, last_error, error_code, seen_run, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 0)`,
  );
  for (const [id, state] of [['synced-1', 'synced'], ['pending-1', 'pending'], ['dead-1', 'dead']] as const) {
    const s = staged(id);
    insert.run(id, s.fingerprint, state, state === 'synced' ? s.fingerprint : null, state === 'dead' ? 'HTTP 400 bad phone' : null, state === 'dead' ? 'invalid' : null);
    db.prepare(`INSERT INTO payloads VALUES (?, ?)`).run(id, s.json);
  }
  db.close();
}

/** Schema of the embedded ledger. `version` in `meta` guards against opening a newer file. */
export const SQLITE_SCHEMA_VERSION = 2;

/**
 * Upgrades from older schema versions, keyed by the version they lead to. v2 indexes only pending
 * users: a bulk load inserts every user already leased to the run and settles it as synced, so
 * keeping leased and synced users out of the queue index halves the cost of staging and settling.
 */
export const SQLITE_MIGRATIONS: Record<number, string> = {
  2: `DROP INDEX IF EXISTS users_queue;`,
};

export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Queue state is updated twice per send; it lives apart from the payload so those updates rewrite
-- a small row, not the user's whole JSON.
-- A rowid table: payloads are large rows, which WITHOUT ROWID tables store inefficiently.
CREATE TABLE IF NOT EXISTS payloads (source_id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  source_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  op TEXT NOT NULL DEFAULT 'upsert',
  state TEXT NOT NULL,
  synced_fingerprint TEXT,
  leased_fingerprint TEXT,
  target_action TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  last_error TEXT,
  error_code TEXT,
  position TEXT,
  seen_run INTEGER,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS users_pending ON users(not_before) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS rejects (
  run_id INTEGER NOT NULL,
  position TEXT NOT NULL,
  source_id TEXT,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_run ON rejects(run_id);
CREATE TABLE IF NOT EXISTS progress (run_id INTEGER NOT NULL, point TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS progress_run ON progress(run_id);
`;

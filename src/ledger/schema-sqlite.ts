/** Schema of the embedded ledger. `version` in `meta` guards against opening a newer file. */
export const SQLITE_SCHEMA_VERSION = 4;

const USER_COLUMNS = `
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
  updated_at INTEGER NOT NULL`;
const USER_COLUMN_NAMES = `fingerprint, op, state, synced_fingerprint, leased_fingerprint, target_action, attempts, not_before,
  lease_owner, lease_until, last_error, error_code, position, seen_run, updated_at`;

/**
 * Users and their payloads are stored in the order they were staged (an integer key), and found by
 * legacy id through one narrow index. Legacy ids are often random (UUIDs from Keycloak, Cognito,
 * Auth0, Firebase): a table clustered by them puts every user of a chunk on a page of its own, and
 * each commit then rewrites a whole page per user (measured at 300k UUIDs: 68 KiB written and 84 µs
 * of CPU per user to stage and settle, against 11 KiB and 18 µs in this layout). Here only the
 * index takes random pages; the rows of a chunk, written together and settled together, share a few.
 */
const USER_TABLES_V3 = `
-- Queue state is updated twice per send; it lives apart from the payload so those updates rewrite
-- a small row, not the user's whole JSON.
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, source_id TEXT NOT NULL, ${USER_COLUMNS});
CREATE UNIQUE INDEX IF NOT EXISTS users_source_id ON users(source_id);
CREATE INDEX IF NOT EXISTS users_pending ON users(not_before) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS payloads (user_id INTEGER PRIMARY KEY, json TEXT NOT NULL);
`;
/**
 * v4: `payloads.removed`, the fields (model/removed.ts) the source dropped since the user last
 * reached the target, as a JSON array; NULL for nearly everyone. Targets that keep what an update
 * leaves out are told to clear them; it is emptied once the target has the user again.
 */
const USER_TABLES = USER_TABLES_V3.replace(
  'CREATE TABLE IF NOT EXISTS payloads (user_id INTEGER PRIMARY KEY, json TEXT NOT NULL);',
  'CREATE TABLE IF NOT EXISTS payloads (user_id INTEGER PRIMARY KEY, json TEXT NOT NULL, removed TEXT);',
);

/**
 * Upgrades from older schema versions, keyed by the version they lead to, run in order in one
 * transaction before the current schema is applied. v2 indexes only pending users: a bulk load
 * inserts every user already leased to the run and settles it as synced, so keeping leased and
 * synced users out of the queue index halves the cost of staging and settling. v3 stores users in
 * staging order (see USER_TABLES); rows are copied, so a large ledger takes a while once. v4 adds a
 * column (no copy).
 */
export const SQLITE_MIGRATIONS: Record<number, string> = {
  2: `DROP INDEX IF EXISTS users_queue;`,
  3: `
ALTER TABLE users RENAME TO users_v2;
ALTER TABLE payloads RENAME TO payloads_v2;
DROP INDEX IF EXISTS users_pending;
${USER_TABLES_V3}
INSERT INTO users (source_id, ${USER_COLUMN_NAMES}) SELECT source_id, ${USER_COLUMN_NAMES} FROM users_v2;
INSERT INTO payloads (user_id, json) SELECT u.id, p.json FROM payloads_v2 p JOIN users u ON u.source_id = p.source_id;
DROP TABLE payloads_v2;
DROP TABLE users_v2;
`,
  4: `ALTER TABLE payloads ADD COLUMN removed TEXT;`,
};

/** Migrations that copy every user (and so take a while on a large ledger); the others are instant. */
export const SQLITE_COPYING_MIGRATIONS: ReadonlySet<number> = new Set([3]);

export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
${USER_TABLES}
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

import type Database from 'better-sqlite3';
import { dropUserQueueIndexes, migrateInboxV1, migrateInboxV2, migrateInboxV4, timeUntimedPendingUsers } from './sqlite-migrate.ts';

/**
 * Tables of the event inbox. They live next to the bulk ledger's tables (same file, own
 * connection, `inbox_` prefix) so one file holds the whole migration's truth and one backup covers it.
 *
 * Version 2 deduplicates on `dedupe_key` (an integer slot, see dedupe-key.ts) instead of a
 * unique index over (source, event_id). Version 3 keeps the queue of unsettled events in a narrow
 * table of its own, `inbox_pending`, clustered by user: settling deletes a user's few adjacent
 * entries there instead of rewriting each event's row, which with a deep backlog sat on a random page
 * of a table far larger than the page cache (measured: a 1M-event backlog spent more time marking
 * events settled than inserting them). Since version 3 an event's `state` only says whether it is
 * dead-lettered ('dead'); 'applied' and 'skipped' are left from older versions. Version 4 selects
 * waiting users in the users table's indexes by `oldest_pending_at IS NOT NULL` rather than by
 * `pending > 0` (see below). Version 5 orders a user's changes by a text key that never ties for two
 * different changes (model/order-key.ts) instead of a number, keeps each user's merged state (partial
 * events merge into it; in the user's row, which every settle rewrites anyway), the digests of what was applied at the current version (a
 * redelivery under another id is a duplicate, a different change at the same version is not), holds
 * deletes beyond the delete cap, and counts what it skips by reason. Older files are migrated on open.
 */
export const INBOX_SCHEMA_VERSION = 5;

/**
 * Columns version 5 added to `inbox_users`: digests of the changes applied at `applied_version`; the
 * merged state;
 * time before which a user whose call may still land is not sent again (kept apart from `next_due`,
 * which a recovered target brings forward); the delete cap's hold, and an operator's release of it.
 */
export const USERS_V5_COLUMNS = [
  'applied_digests TEXT',
  // The user's merged state after its last applied change (JSON of the events' data merged as JSON
  // merge patches): what a partial event is merged into. In the row that the settle of an applied
  // change rewrites anyway: a table of its own cost a random page more per applied user (measured).
  'state_shape TEXT',
  'state TEXT',
  'hold_until INTEGER NOT NULL DEFAULT 0',
  'held_since INTEGER',
  'delete_released INTEGER NOT NULL DEFAULT 0',
];

/** `next_due` of a user whose delete waits for an operator: never due by itself. */
export const HELD_DUE = 2 ** 52;

export const INBOX_EVENTS_TABLE = `
CREATE TABLE IF NOT EXISTS inbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key INTEGER NOT NULL,
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  type TEXT NOT NULL,
  version TEXT NOT NULL,
  time TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  data TEXT,
  state TEXT NOT NULL DEFAULT 'pending',
  shape TEXT
)`;

const INBOX_SCHEMA = `
${INBOX_EVENTS_TABLE};
CREATE UNIQUE INDEX IF NOT EXISTS inbox_events_dedupe ON inbox_events (dedupe_key);

-- Events received and not yet applied, skipped or dead-lettered, in each user's apply order.
CREATE TABLE IF NOT EXISTS inbox_pending (
  subject TEXT NOT NULL,
  version TEXT NOT NULL,
  seq INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (subject, version, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS inbox_users (
  subject TEXT PRIMARY KEY,
  applied_version TEXT NOT NULL DEFAULT '',
  tombstone INTEGER NOT NULL DEFAULT 0,
  last_email TEXT,
  known INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  oldest_pending_at INTEGER,
  next_due INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
${USERS_V5_COLUMNS.map((c) => `  ${c}`).join(',\n')}
);
-- A user is waiting exactly when oldest_pending_at is set. The indexes test that, not the count: an
-- append for a user already waiting changes only its count, and SQLite then updates no index at all
-- (measured: ~10 % fewer bytes written per appended event).
-- Lag and backlog: the oldest pending user, leased or not.
CREATE INDEX IF NOT EXISTS inbox_users_pending ON inbox_users (oldest_pending_at) WHERE oldest_pending_at IS NOT NULL;
-- Claims read three small queues, so they never walk past users that are leased or waiting for a
-- retry (with a deep backlog, thousands are in flight at once, and all of them are the oldest):
-- users ready now, oldest first; users waiting for a retry; leases (expired ones are taken over).
CREATE INDEX IF NOT EXISTS inbox_users_fresh ON inbox_users (oldest_pending_at) WHERE oldest_pending_at IS NOT NULL AND lease_until = 0 AND next_due = 0;
CREATE INDEX IF NOT EXISTS inbox_users_retrying ON inbox_users (next_due) WHERE next_due > 0;
CREATE INDEX IF NOT EXISTS inbox_users_leased ON inbox_users (lease_until) WHERE lease_until > 0;

CREATE TABLE IF NOT EXISTS inbox_dead (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER,
  source TEXT NOT NULL,
  event_id TEXT,
  subject TEXT,
  type TEXT,
  version TEXT,
  reason TEXT NOT NULL,
  raw TEXT,
  at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS inbox_dead_event ON inbox_dead (source, event_id) WHERE seq IS NULL AND event_id IS NOT NULL;

-- Held deletes (the delete cap), found without a scan.
CREATE INDEX IF NOT EXISTS inbox_users_held ON inbox_users (held_since) WHERE held_since IS NOT NULL;

CREATE TABLE IF NOT EXISTS inbox_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS inbox_rate (bucket INTEGER PRIMARY KEY, applied INTEGER NOT NULL);
`;

/**
 * Creates the inbox tables, or brings an older inbox up to date. The version is in `inbox_meta`;
 * an inbox without it but with `inbox_events` was written by version 1. A newer inbox is refused:
 * this code would not know what its tables mean. An up-to-date inbox is opened without a write.
 */
export function prepareInboxSchema(db: Database.Database, file: string): void {
  if (storedVersion(db, file) === INBOX_SCHEMA_VERSION) {
    db.exec(INBOX_SCHEMA);
    return;
  }
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated the file meanwhile.
    const from = storedVersion(db, file);
    if (from === 1) migrateInboxV1(db, INBOX_EVENTS_TABLE);
    // Indexes are created "if not exists": older definitions under the same names must go first.
    if (from >= 1 && from <= 3) dropUserQueueIndexes(db);
    // Version 5's columns, before the schema's indexes refer to them.
    if (from >= 1 && from <= 4) addMissingColumns(db);
    db.exec(`CREATE TABLE IF NOT EXISTS inbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); ${INBOX_SCHEMA}`);
    if (from === 1 || from === 2) migrateInboxV2(db);
    if (from >= 1 && from <= 3) timeUntimedPendingUsers(db);
    if (from >= 1 && from <= 4) migrateInboxV4(db);
    db.prepare(`INSERT INTO inbox_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
      String(INBOX_SCHEMA_VERSION),
    );
  }).immediate();
}

function addMissingColumns(db: Database.Database): void {
  const has = (table: string) => new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  const users = has('inbox_users');
  for (const c of USERS_V5_COLUMNS) if (!users.has(c.split(' ')[0]!)) db.exec(`ALTER TABLE inbox_users ADD COLUMN ${c}`);
  if (!has('inbox_events').has('shape')) db.exec(`ALTER TABLE inbox_events ADD COLUMN shape TEXT`);
}

/** The file's inbox schema version: 0 for no inbox yet, 1 for the unversioned first one; throws for a newer one. */
function storedVersion(db: Database.Database, file: string): number {
  const table = (name: string) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  const stored = table('inbox_meta')
    ? (db.prepare(`SELECT value FROM inbox_meta WHERE key = 'schema_version'`).pluck().get() as string | undefined)
    : undefined;
  const version = stored !== undefined ? Number(stored) : table('inbox_events') ? 1 : 0;
  if (version > INBOX_SCHEMA_VERSION) {
    throw new Error(
      `${file}: the event inbox was written by a newer ciam-migrate (inbox schema ${version}, this version reads up to ${INBOX_SCHEMA_VERSION}); upgrade ciam-migrate`,
    );
  }
  return version;
}

/** Width of one bucket of the applied-events rate, and how many buckets make the window. */
export const RATE_BUCKET_MS = 10_000;
export const RATE_BUCKETS = 6;

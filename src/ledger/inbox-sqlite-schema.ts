/**
 * Tables of the event inbox. They live next to the bulk ledger's tables (same file, own
 * connection, `inbox_` prefix) so one file holds the whole migration's truth and one backup covers it.
 */
export const INBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  time TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  data TEXT,
  state TEXT NOT NULL DEFAULT 'pending',
  UNIQUE (source, event_id)
);
CREATE INDEX IF NOT EXISTS inbox_events_pending ON inbox_events (subject, version, seq) WHERE state = 'pending';

CREATE TABLE IF NOT EXISTS inbox_users (
  subject TEXT PRIMARY KEY,
  applied_version INTEGER NOT NULL DEFAULT 0,
  tombstone INTEGER NOT NULL DEFAULT 0,
  last_email TEXT,
  known INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  oldest_pending_at INTEGER,
  next_due INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS inbox_users_ready ON inbox_users (oldest_pending_at) WHERE pending > 0;

CREATE TABLE IF NOT EXISTS inbox_dead (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER,
  source TEXT NOT NULL,
  event_id TEXT,
  subject TEXT,
  type TEXT,
  version INTEGER,
  reason TEXT NOT NULL,
  raw TEXT,
  at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS inbox_dead_event ON inbox_dead (source, event_id) WHERE seq IS NULL AND event_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS inbox_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS inbox_rate (bucket INTEGER PRIMARY KEY, applied INTEGER NOT NULL);
`;

/** Width of one bucket of the applied-events rate, and how many buckets make the window. */
export const RATE_BUCKET_MS = 10_000;
export const RATE_BUCKETS = 6;

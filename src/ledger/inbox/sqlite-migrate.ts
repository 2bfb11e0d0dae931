import type Database from 'better-sqlite3';
import { legacyKey } from '../../model/order-key.ts';
import { dedupeKey, nextSlot } from './dedupe-key.ts';

/**
 * Inbox schema 1 → 2, inside the caller's transaction: `inbox_events` is rebuilt with a
 * `dedupe_key` column in place of the UNIQUE (source, event_id) constraint (SQLite cannot drop a
 * table constraint), and the users table's single ready index becomes the three queues of version 2. Rows keep their `seq`, so dead letters and leased claims still point at them,
 * and the AUTOINCREMENT high-water mark is carried over, so no `seq` is ever handed out twice.
 * The other tables are unchanged. `eventsTable` is the current CREATE TABLE statement of `inbox_events`.
 */
export function migrateInboxV1(db: Database.Database, eventsTable: string): void {
  const highWater = (db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'inbox_events'`).pluck().get() as number | undefined) ?? 0;
  db.function('inbox_dedupe_key', { deterministic: true }, (source: unknown, id: unknown) => dedupeKey(String(source), String(id)));
  db.exec(`${eventsTable.replace('inbox_events', 'inbox_events_v2')};
    INSERT INTO inbox_events_v2 (seq, dedupe_key, source, event_id, subject, type, version, time, received_at, data, state)
      SELECT seq, inbox_dedupe_key(source, event_id), source, event_id, subject, type, version, time, received_at, data, state
      FROM inbox_events ORDER BY seq;`);
  resolveCollisions(db);
  // Version 2 indexes the users table differently; the caller creates the new indexes.
  db.exec(`DROP TABLE inbox_events; ALTER TABLE inbox_events_v2 RENAME TO inbox_events; DROP INDEX IF EXISTS inbox_users_ready;`);
  db.prepare(`UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'inbox_events'`).run(highWater);
}

/** Two different events on one key (a hash collision): the later ones move to the next free slots. */
function resolveCollisions(db: Database.Database): void {
  const shared = db.prepare(`SELECT dedupe_key FROM inbox_events_v2 GROUP BY dedupe_key HAVING COUNT(*) > 1`).pluck().all() as number[];
  const rows = db.prepare(`SELECT seq FROM inbox_events_v2 WHERE dedupe_key = ? ORDER BY seq`).pluck();
  const taken = db.prepare(`SELECT 1 FROM inbox_events_v2 WHERE dedupe_key = ?`);
  const move = db.prepare(`UPDATE inbox_events_v2 SET dedupe_key = ? WHERE seq = ?`);
  for (const key of shared) {
    for (const seq of (rows.all(key) as number[]).slice(1)) {
      let slot = nextSlot(key);
      while (taken.get(slot) !== undefined) slot = nextSlot(slot);
      move.run(slot, seq);
    }
  }
}

/**
 * Inbox schema 2 → 3, inside the caller's transaction, after `inbox_pending` was created: the events
 * still pending move into it, and the partial index that held them goes.
 */
export function migrateInboxV2(db: Database.Database): void {
  db.exec(`INSERT OR IGNORE INTO inbox_pending (subject, version, seq, received_at)
             SELECT subject, version, seq, received_at FROM inbox_events WHERE state = 'pending';
           DROP INDEX IF EXISTS inbox_events_pending;`);
}

/**
 * Inbox schema 3 → 4, before the current indexes are created: the users table's two queue indexes
 * are redefined (waiting users selected by `oldest_pending_at IS NOT NULL`), so the old ones go.
 */
export function dropUserQueueIndexes(db: Database.Database): void {
  db.exec(`DROP INDEX IF EXISTS inbox_users_pending; DROP INDEX IF EXISTS inbox_users_fresh;`);
}

/**
 * Inbox schema 3 → 4, once `inbox_pending` is filled: version 4 finds a waiting user by its
 * `oldest_pending_at`, so a user counted as waiting without one (older versions never wrote such a
 * row, but they did not rely on it either) gets its count and time from its queue.
 */
export function timeUntimedPendingUsers(db: Database.Database): void {
  db.exec(`UPDATE inbox_users SET
             pending = (SELECT COUNT(*) FROM inbox_pending p WHERE p.subject = inbox_users.subject),
             oldest_pending_at = (SELECT MIN(received_at) FROM inbox_pending p WHERE p.subject = inbox_users.subject)
           WHERE pending > 0 AND oldest_pending_at IS NULL`);
}

/**
 * Inbox schema 4 → 5, after the schema's tables and columns exist: versions were numbers (a sequence,
 * epoch milliseconds or an LSN, which one was not stored); they become `v` order keys, which still
 * compare with the keys new events bring (model/order-key.ts). Payloads stored by version 4 were
 * whole canonical users (shape `user`). Users applied before have no merged state: their first
 * change after the upgrade is merged into an empty one, i.e. taken as the whole user, as version 4 did.
 */
export function migrateInboxV4(db: Database.Database): void {
  // A number, or its text where a table rebuilt by an earlier migration gave the column text affinity.
  db.function('inbox_legacy_key', { deterministic: true }, (v: unknown) => legacyKey(Number(v)));
  const old = (col: string) => `(typeof(${col}) IN ('integer', 'real') OR ${col} GLOB '[0-9]*')`;
  db.exec(`UPDATE inbox_events SET version = inbox_legacy_key(version) WHERE ${old('version')};
           UPDATE inbox_events SET shape = 'user' WHERE shape IS NULL AND data IS NOT NULL;
           UPDATE inbox_pending SET version = inbox_legacy_key(version) WHERE ${old('version')};
           UPDATE inbox_dead SET version = inbox_legacy_key(version) WHERE version IS NOT NULL AND ${old('version')};
           UPDATE inbox_users SET applied_version = CASE WHEN known = 1 OR applied_version > 0 THEN inbox_legacy_key(applied_version) ELSE '' END
             WHERE ${old('applied_version')};`);
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dedupeKey } from '../../src/ledger/inbox/dedupe-key.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { INBOX_EVENTS_TABLE } from '../../src/ledger/inbox/sqlite-schema.ts';
import { legacyKey } from '../../src/model/order-key.ts';
import { ev, n, ok, v } from '../stream/fixtures.ts';

const policy = { maxAttempts: 3, backoffMs: () => 1000 };

function tempFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'inbox-schema-')), 'ledger.sqlite');
}

/** The inbox tables exactly as version 1 created them (before `inbox_meta` and `dedupe_key`). */
const V1_SCHEMA = `
CREATE TABLE inbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, event_id TEXT NOT NULL, subject TEXT NOT NULL,
  type TEXT NOT NULL, version INTEGER NOT NULL, time TEXT NOT NULL, received_at INTEGER NOT NULL, data TEXT,
  state TEXT NOT NULL DEFAULT 'pending', UNIQUE (source, event_id));
CREATE INDEX inbox_events_pending ON inbox_events (subject, version, seq) WHERE state = 'pending';
CREATE TABLE inbox_users (
  subject TEXT PRIMARY KEY, applied_version INTEGER NOT NULL DEFAULT 0, tombstone INTEGER NOT NULL DEFAULT 0,
  last_email TEXT, known INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL DEFAULT 0, oldest_pending_at INTEGER,
  next_due INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0);
CREATE INDEX inbox_users_ready ON inbox_users (oldest_pending_at) WHERE pending > 0;
CREATE TABLE inbox_dead (
  id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER, source TEXT NOT NULL, event_id TEXT, subject TEXT, type TEXT,
  version INTEGER, reason TEXT NOT NULL, raw TEXT, at INTEGER NOT NULL);
CREATE UNIQUE INDEX inbox_dead_event ON inbox_dead (source, event_id) WHERE seq IS NULL AND event_id IS NOT NULL;
CREATE TABLE inbox_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE inbox_rate (bucket INTEGER PRIMARY KEY, applied INTEGER NOT NULL);
`;

/** A version 1 inbox: u1 applied at version 1, u1 v2 and u2 v1 pending, a pruned event whose seq (4) was the highest. */
function writeV1(file: string): void {
  const db = new Database(file);
  db.exec(V1_SCHEMA);
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO inbox_events (source, event_id, subject, type, version, time, received_at, data, state) VALUES ('test', ?, ?, 'user.updated', ?, ?, ?, ?, ?)`,
  );
  const data = (id: string, rev: number) => JSON.stringify({ sourceId: id, email: `${id}.r${rev}@example.com`, status: 'active' });
  insert.run('u1:1:user.updated', 'u1', 1, new Date().toISOString(), now, null, 'applied');
  insert.run('u1:2:user.updated', 'u1', 2, new Date().toISOString(), now, data('u1', 2), 'pending');
  insert.run('u2:1:user.updated', 'u2', 1, new Date().toISOString(), now, data('u2', 1), 'pending');
  insert.run('gone', 'u3', 1, new Date().toISOString(), now, null, 'applied');
  db.prepare(`DELETE FROM inbox_events WHERE event_id = 'gone'`).run();
  db.exec(`INSERT INTO inbox_users (subject, applied_version, known, pending, oldest_pending_at) VALUES ('u1', 1, 1, 1, ${now}), ('u2', 0, 0, 1, ${now});
    INSERT INTO inbox_counters (name, value) VALUES ('received', 4), ('duplicates', 0), ('applied', 2), ('skipped', 0), ('dead', 0), ('pending', 2);`);
  db.close();
}

describe('SqliteInbox schema', () => {
  it('migrates a version 1 inbox: pending events stay claimable, old ids still dedupe, seq is never reused', async () => {
    const file = tempFile();
    writeV1(file);
    const inbox = new SqliteInbox(file);
    expect(await inbox.stats()).toMatchObject({ backlog: 2, backlogUsers: 2, received: 4, applied: 2 });
    // Applied and pending events of version 1 are still known by (source, id).
    expect(await inbox.append([ok(ev('u1', 1)), ok(ev('u1', 2)), ok(ev('u2', 2))])).toEqual({ accepted: 1, duplicates: 2, dead: 0 });
    const claimed = await inbox.claim('A', 10, 60_000);
    const u1 = claimed.find((c) => c.subject === 'u1');
    expect(u1).toMatchObject({ appliedVersion: legacyKey(1), known: true });
    expect(u1?.events.map((e) => [e.seq, e.version, e.data?.email, e.shape])).toEqual([[2, legacyKey(2), 'u1.r2@example.com', 'user']]);
    // The new event comes after the highest seq version 1 ever handed out (4, since pruned).
    const [old, fresh] = claimed.find((c) => c.subject === 'u2')?.events.map((e) => e.seq).sort((a, b) => a - b) ?? [];
    expect(old).toBe(3);
    expect(fresh).toBeGreaterThan(4);
    await inbox.settle('A', claimed.map((c) => ({ subject: c.subject, kind: 'applied', applied: c.events.map((e) => e.seq), skipped: [], version: c.events.at(-1)!.version, tombstone: false, email: undefined })), policy);
    expect(await inbox.stats()).toMatchObject({ backlog: 0, applied: 5 });
    await inbox.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare(`SELECT value FROM inbox_meta WHERE key = 'schema_version'`).pluck().get()).toBe('5');
    db.close();
  });

  it('migrates a version 2 inbox: its pending events move to the queue table, settled ones stay settled', async () => {
    const file = tempFile();
    const now = Date.now();
    // A version 2 file: state on each event row, the queue as a partial index over them.
    const db = new Database(file);
    db.exec(`${INBOX_EVENTS_TABLE};
      CREATE UNIQUE INDEX inbox_events_dedupe ON inbox_events (dedupe_key);
      CREATE INDEX inbox_events_pending ON inbox_events (subject, version, seq) WHERE state = 'pending';
      ${V1_SCHEMA.slice(V1_SCHEMA.indexOf('CREATE TABLE inbox_users'))}
      CREATE TABLE inbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO inbox_meta VALUES ('schema_version', '2');`);
    const insert = db.prepare(
      `INSERT INTO inbox_events (dedupe_key, source, event_id, subject, type, version, time, received_at, data, state) VALUES (?, 'test', ?, ?, 'user.updated', ?, ?, ?, ?, ?)`,
    );
    const data = (id: string, rev: number) => JSON.stringify({ sourceId: id, email: `${id}.r${rev}@example.com`, status: 'active' });
    for (const [id, subject, version, state] of [['u1:1:user.updated', 'u1', 1, 'applied'], ['u1:2:user.updated', 'u1', 2, 'pending'], ['u2:1:user.updated', 'u2', 1, 'dead'], ['u3:1:user.updated', 'u3', 1, 'pending']] as const) {
      insert.run(dedupeKey('test', id), id, subject, version, new Date().toISOString(), now, state === 'applied' ? null : data(subject, version), state);
    }
    db.exec(`INSERT INTO inbox_users (subject, applied_version, known, pending, oldest_pending_at) VALUES ('u1', 1, 1, 1, ${now}), ('u2', 0, 0, 0, NULL), ('u3', 0, 0, 1, ${now});
      INSERT INTO inbox_dead (seq, source, event_id, subject, type, version, reason, at) VALUES (3, 'test', 'u2:1:user.updated', 'u2', 'user.updated', 1, 'rejected', ${now});
      INSERT INTO inbox_counters (name, value) VALUES ('received', 4), ('duplicates', 0), ('applied', 1), ('skipped', 0), ('dead', 1), ('pending', 2);`);
    db.close();
    const inbox = new SqliteInbox(file);
    expect(await inbox.stats()).toMatchObject({ backlog: 2, backlogUsers: 2, received: 4, applied: 1, dead: 1 });
    expect(await inbox.append([ok(ev('u1', 1)), ok(ev('u1', 2))])).toEqual({ accepted: 0, duplicates: 2, dead: 0 });
    const claimed = await inbox.claim('A', 10, 60_000);
    expect(claimed.map((c) => [c.subject, c.events.map((e) => [e.seq, e.data?.email])]).sort()).toEqual([
      ['u1', [[2, 'u1.r2@example.com']]],
      ['u3', [[4, 'u3.r1@example.com']]],
    ]);
    await inbox.settle('A', claimed.map((c) => ({ subject: c.subject, kind: 'applied', applied: c.events.map((e) => e.seq), skipped: [], version: c.events.at(-1)!.version, tombstone: false, email: undefined })), policy);
    // The dead letter of version 2 can still be retried, payload and all.
    expect(await inbox.retryDead()).toBe(1);
    const [u2] = await inbox.claim('A', 10, 60_000);
    expect(u2).toMatchObject({ subject: 'u2', events: [{ seq: 3, data: { email: 'u2.r1@example.com' } }] });
    expect(await inbox.stats()).toMatchObject({ backlog: 1, applied: 3, dead: 0 });
    await inbox.close();
    const after = new Database(file, { readonly: true });
    expect(after.prepare(`SELECT value FROM inbox_meta WHERE key = 'schema_version'`).pluck().get()).toBe('5');
    expect(after.prepare(`SELECT name FROM sqlite_master WHERE name = 'inbox_events_pending'`).get()).toBeUndefined();
    after.close();
  });

  it('migrates a version 3 inbox: waiting users stay claimable, one counted as waiting without a time too', async () => {
    const file = tempFile();
    const current = new SqliteInbox(file);
    await current.append([ok(ev('u1', 1)), ok(ev('u1', 2)), ok(ev('u2', 1)), ok(ev('u3', 1))]);
    const [u2] = (await current.claim('A', 10, 60_000)).filter((c) => c.subject === 'u2');
    await current.settle('A', [{ subject: 'u2', kind: 'applied', applied: u2!.events.map((e) => e.seq), skipped: [], version: v(1), tombstone: false, email: undefined }], policy);
    await current.releaseOwner('A');
    await current.close();
    // Back to version 3's indexes (waiting users by `pending > 0`); u3 counted as waiting with no time,
    // which version 3 tolerated.
    const db = new Database(file);
    db.exec(`DROP INDEX inbox_users_pending; DROP INDEX inbox_users_fresh;
      CREATE INDEX inbox_users_pending ON inbox_users (oldest_pending_at) WHERE pending > 0;
      CREATE INDEX inbox_users_fresh ON inbox_users (oldest_pending_at) WHERE pending > 0 AND lease_until = 0 AND next_due = 0;
      UPDATE inbox_users SET oldest_pending_at = NULL WHERE subject = 'u3';
      UPDATE inbox_meta SET value = '3' WHERE key = 'schema_version';`);
    db.close();

    const inbox = new SqliteInbox(file);
    expect(await inbox.stats()).toMatchObject({ backlog: 3, backlogUsers: 2 });
    await inbox.append([ok(ev('u1', 3))]);
    const claimed = await inbox.claim('A', 10, 60_000);
    expect(claimed.map((c) => [c.subject, c.events.map((e) => n(e.version))]).sort()).toEqual([
      ['u1', [1, 2, 3]],
      ['u3', [1]],
    ]);
    await inbox.close();
    const after = new Database(file, { readonly: true });
    expect(after.prepare(`SELECT value FROM inbox_meta WHERE key = 'schema_version'`).pluck().get()).toBe('5');
    const indexes = after.prepare(`SELECT sql FROM sqlite_master WHERE name IN ('inbox_users_pending', 'inbox_users_fresh')`).pluck().all() as string[];
    expect(indexes).toHaveLength(2);
    for (const sql of indexes) expect(sql).toContain('oldest_pending_at IS NOT NULL');
    after.close();
  });

  it('refuses an inbox written by a newer version, naming the file and the versions', () => {
    const file = tempFile();
    new Database(file).exec(`CREATE TABLE inbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO inbox_meta VALUES ('schema_version', '6');`);
    expect(() => new SqliteInbox(file)).toThrow(/written by a newer ciam-migrate \(inbox schema 6, this version reads up to 5\)/);
    expect(() => new SqliteInbox(file)).toThrow(file);
  });

  it('a hash collision never drops an event: the newcomer takes the next slot, and its duplicate is still caught', async () => {
    const file = tempFile();
    const inbox = new SqliteInbox(file);
    await inbox.append([ok(ev('u0', 1))]);
    await inbox.close();
    // Put another event into the slot that ('test', 'u1:1:user.updated') hashes to, as a collision would.
    const db = new Database(file);
    db.prepare(`UPDATE inbox_events SET dedupe_key = ? WHERE event_id = 'u0:1:user.updated'`).run(dedupeKey('test', 'u1:1:user.updated'));
    db.close();
    const again = new SqliteInbox(file);
    expect(await again.append([ok(ev('u1', 1))])).toEqual({ accepted: 1, duplicates: 0, dead: 0 });
    expect(await again.append([ok(ev('u1', 1))])).toEqual({ accepted: 0, duplicates: 1, dead: 0 });
    expect((await again.stats()).backlog).toBe(2);
    await again.close();
  });
});

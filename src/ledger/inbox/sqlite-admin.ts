import type { DeadLetter, InboxStats, SyncLiveStatus } from './inbox.ts';
import { HELD_DUE, RATE_BUCKET_MS, RATE_BUCKETS } from './sqlite-schema.ts';
import type { Counter, InboxStore } from './sqlite-store.ts';

/** The inbox's reports and operator actions: off the hot path, so prepared per call. */

export function backlog(store: InboxStore, now: number): { backlog: number; lagMs: number; heldEvents: number } {
  const db = store.db;
  const pending = db.prepare(`SELECT value FROM inbox_counters WHERE name = 'pending'`).pluck().get() as number;
  const oldest = db.prepare(`SELECT MIN(oldest_pending_at) FROM inbox_users WHERE oldest_pending_at IS NOT NULL`).pluck().get() as number | null;
  return { backlog: pending, lagMs: oldest === null ? 0 : Math.max(0, now - oldest), heldEvents: heldDeletes(store).events };
}

function heldDeletes(store: InboxStore): { count: number; events: number; since: number | undefined } {
  const r = store.db
    .prepare(`SELECT COUNT(*) AS count, COALESCE(SUM(pending), 0) AS events, MIN(held_since) AS since FROM inbox_users WHERE held_since IS NOT NULL`)
    .get() as { count: number; events: number; since: number | null };
  return { count: r.count, events: r.events, since: r.since ?? undefined };
}

/** Users waiting longest (by arrival) are checked for the oldest change time among their events. */
const LAG_SAMPLE_USERS = 20;

/**
 * Age of the oldest unapplied change from its own time (the envelope's `time`): events that waited
 * upstream (a broker backlog, a stopped sync) arrive old, and their lag starts at the change.
 */
function changeLagMs(store: InboxStore, now: number): number {
  const oldest = store.db
    .prepare(
      `SELECT MIN(e.time) FROM (SELECT subject FROM inbox_users WHERE oldest_pending_at IS NOT NULL ORDER BY oldest_pending_at LIMIT ${LAG_SAMPLE_USERS}) u
       JOIN inbox_pending p ON p.subject = u.subject JOIN inbox_events e ON e.seq = p.seq`,
    )
    .pluck()
    .get() as string | null;
  if (oldest === null) return 0;
  const t = Date.parse(oldest);
  return Number.isNaN(t) ? 0 : Math.max(0, now - t);
}

export function stats(store: InboxStore, now: number): InboxStats {
  const db = store.db;
  const counters = Object.fromEntries(
    (db.prepare(`SELECT name, value FROM inbox_counters`).all() as { name: Counter; value: number }[]).map((r) => [r.name, r.value]),
  ) as Record<Counter, number>;
  const users = db
    .prepare(
      `SELECT COUNT(*) AS users, MIN(oldest_pending_at) AS oldest,
              SUM(CASE WHEN next_due > ? AND next_due < ${HELD_DUE} THEN 1 ELSE 0 END) AS retrying,
              MIN(CASE WHEN next_due > ? AND next_due < ${HELD_DUE} THEN next_due END) AS next_due
       FROM inbox_users WHERE oldest_pending_at IS NOT NULL`,
    )
    .get(now, now) as { users: number; oldest: number | null; retrying: number | null; next_due: number | null };
  const ignored = (db.prepare(`SELECT name, value FROM inbox_counters WHERE name LIKE 'ignored:%' AND value > 0 ORDER BY value DESC LIMIT 20`).all() as { name: string; value: number }[]).map(
    (r) => ({ reason: r.name.slice('ignored:'.length), count: r.value }),
  );
  const held = heldDeletes(store);
  const liveText = db.prepare(`SELECT value FROM inbox_meta WHERE key = 'live_status'`).pluck().get() as string | undefined;
  const tombstones = db.prepare(`SELECT COUNT(*) FROM inbox_users WHERE tombstone = 1`).pluck().get() as number;
  const deadByReason = db
    .prepare(`SELECT reason, COUNT(*) AS count FROM inbox_dead GROUP BY reason ORDER BY count DESC LIMIT 20`)
    .all() as { reason: string; count: number }[];
  const since = Math.floor(now / RATE_BUCKET_MS) - RATE_BUCKETS;
  const recent = (db.prepare(`SELECT COALESCE(SUM(applied), 0) FROM inbox_rate WHERE bucket > ?`).pluck().get(since) ?? 0) as number;
  const oldest = users.oldest ?? undefined;
  const inboxAgeMs = oldest === undefined ? 0 : Math.max(0, now - oldest);
  return {
    backlog: counters.pending,
    backlogUsers: users.users,
    retrying: users.retrying ?? 0,
    lagMs: oldest === undefined ? 0 : Math.max(inboxAgeMs, changeLagMs(store, now)),
    inboxAgeMs,
    oldestPendingAt: oldest,
    received: counters.received,
    applied: counters.applied,
    skipped: counters.skipped,
    duplicates: (counters.duplicates ?? 0) + (counters.duplicates_content ?? 0),
    contentDuplicates: counters.duplicates_content ?? 0,
    ignored,
    heldDeletes: held.count,
    heldSince: held.since,
    live: liveText === undefined ? undefined : (JSON.parse(liveText) as SyncLiveStatus),
    dead: counters.dead,
    deadByReason,
    tombstones,
    ratePerSec: recent / ((RATE_BUCKETS * RATE_BUCKET_MS) / 1000),
    nextDueAt: users.next_due ?? undefined,
  };
}

/**
 * Forgets up to `limit` applied and skipped events received before `before`, oldest first.
 *
 * Work is bounded by `limit`, not by the table: received_at grows with seq, so the first seq received
 * at or after `before` is found by bisection on the primary key, and the scan stops there instead of
 * walking every younger row (which, with nothing to prune, used to be the whole table). The
 * received_at test stays in the delete, so a clock step back can only make pruning stop early.
 */
export function prune(store: InboxStore, before: number, limit: number): number {
  const db = store.db;
  const first = db.prepare(`SELECT seq, received_at FROM inbox_events WHERE seq >= ? ORDER BY seq LIMIT 1`);
  const at = (seq: number) => first.get(seq) as { seq: number; received_at: number } | undefined;
  const lowest = at(0);
  if (lowest === undefined || lowest.received_at >= before) return 0;
  // Invariant: the row at or after `lo` is older than `before`; no row at or after `hi` is.
  let lo = lowest.seq;
  let hi = ((db.prepare(`SELECT MAX(seq) FROM inbox_events`).pluck().get() as number | null) ?? lo) + 1;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const row = at(mid);
    if (row !== undefined && row.received_at < before) lo = row.seq;
    else hi = mid;
  }
  return db
    .prepare(
      `DELETE FROM inbox_events WHERE seq IN (
         SELECT seq FROM inbox_events e WHERE seq < ? AND received_at < ? AND state <> 'dead'
           AND NOT EXISTS (SELECT 1 FROM inbox_pending p WHERE p.subject = e.subject AND p.version = e.version AND p.seq = e.seq)
         ORDER BY seq LIMIT ?)`,
    )
    .run(hi, before, limit).changes;
}

/**
 * Clears the payloads (profiles, password hashes) of settled events, oldest first, scanning up to
 * `limit` events past the `scrubbed` cursor. Settling leaves an event's row alone (its page is
 * rarely in cache with a deep backlog), so this sweep, in `seq` order and a few pages per call, keeps
 * what the inbox holds of anyone's secrets to what is still to be applied, plus dead letters (kept
 * for `retry`). The cursor stops before the oldest queued event, so that it is cleared by a later
 * sweep, not one by one when it settles; events beyond it in the window are cleared all the same. A
 * user retrying for a long time therefore holds the cursor, and events more than `limit` past it
 * keep their payload until that user settles. (Events put back by `retry` after the sweep passed
 * them are cleared when they settle.)
 */
export function scrub(store: InboxStore, limit: number): number {
  const db = store.db;
  const rows = db
    .prepare(
      `SELECT seq, data IS NOT NULL AS payload, state = 'dead' AS dead,
              EXISTS (SELECT 1 FROM inbox_pending p WHERE p.subject = e.subject AND p.version = e.version AND p.seq = e.seq) AS queued
       FROM inbox_events e WHERE seq > ? ORDER BY seq LIMIT ?`,
    )
    .all(store.scrubbedThrough(), limit) as { seq: number; payload: number; dead: number; queued: number }[];
  const clear = rows.filter((r) => r.payload === 1 && r.dead === 0 && r.queued === 0).map((r) => r.seq);
  if (clear.length > 0) store.clearPayloads(clear);
  const firstQueued = rows.findIndex((r) => r.queued === 1);
  const through = firstQueued < 0 ? rows.at(-1)?.seq : firstQueued > 0 ? rows[firstQueued - 1]!.seq : undefined;
  if (through !== undefined) store.setScrubbedThrough(through);
  return firstQueued < 0 ? rows.length : firstQueued;
}

export function deadLetters(store: InboxStore, limit: number): DeadLetter[] {
  const rows = store.db
    .prepare(`SELECT event_id, source, subject, type, version, reason, at FROM inbox_dead ORDER BY id DESC LIMIT ?`)
    .all(limit) as {
    event_id: string | null;
    source: string;
    subject: string | null;
    type: string | null;
    version: string | null;
    reason: string;
    at: number;
  }[];
  return rows.map((r) => ({
    id: r.event_id ?? undefined,
    source: r.source,
    subject: r.subject ?? undefined,
    type: r.type ?? undefined,
    version: r.version ?? undefined,
    reason: r.reason,
    at: r.at,
  }));
}

/** Dead-lettered events with a subject back in their users' queues, inside the caller's transaction. */
export function retryDead(store: InboxStore): number {
  const db = store.db;
  const subjects = db.prepare(`SELECT DISTINCT subject FROM inbox_dead WHERE seq IS NOT NULL`).pluck().all() as string[];
  const rows = db
    .prepare(
      `UPDATE inbox_events SET state = 'pending' WHERE state = 'dead' AND seq IN (SELECT seq FROM inbox_dead WHERE seq IS NOT NULL)
       RETURNING subject, version, seq, received_at`,
    )
    .all() as { subject: string; version: number; seq: number; received_at: number }[];
  for (const r of rows) store.q.queueEvent.run(r.subject, r.version, r.seq, r.received_at);
  const revived = rows.length;
  db.prepare(`DELETE FROM inbox_dead WHERE seq IS NOT NULL`).run();
  // A user leased right now keeps its lease: its owner settles it and counts it again then.
  for (const s of subjects) {
    store.q.resetAttempts.run(s, null);
    store.q.refresh.run({ owner: '', subject: s });
  }
  store.bump('pending', revived);
  store.bump('dead', -revived);
  return revived;
}

export function putLiveStatus(store: InboxStore, status: SyncLiveStatus): void {
  store.db
    .prepare(`INSERT INTO inbox_meta (key, value) VALUES ('live_status', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
    .run(JSON.stringify(status));
}

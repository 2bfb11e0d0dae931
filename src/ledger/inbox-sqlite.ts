import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  AppendResult,
  ClaimedEvent,
  ClaimedUser,
  DeadLetter,
  EventInbox,
  InboxRetryPolicy,
  InboxStats,
  IncomingEvent,
  SettleTotals,
  UserSettlement,
} from './inbox.ts';
import { INBOX_SCHEMA, RATE_BUCKET_MS, RATE_BUCKETS } from './inbox-sqlite-schema.ts';
import type { UserEventType } from '../model/event.ts';

interface EventRow {
  seq: number;
  source: string;
  event_id: string;
  subject: string;
  type: string;
  version: number;
  time: string;
  received_at: number;
  data: string | null;
}

interface UserRow {
  subject: string;
  applied_version: number;
  tombstone: number;
  last_email: string | null;
  known: number;
  attempts: number;
}

const COUNTERS = ['received', 'duplicates', 'applied', 'skipped', 'dead', 'pending'] as const;
type Counter = (typeof COUNTERS)[number];

export interface SqliteInboxOptions {
  /**
   * `full` (default): an acknowledged event survives a power cut. `normal`: it survives a crash of
   * the process but not of the machine; measured no faster on this project's machines.
   */
  synchronous?: 'full' | 'normal';
}

/**
 * SQLite event inbox (better-sqlite3, WAL, synchronous=FULL: an acknowledged event must survive a
 * power cut, and the batched commits make the fsync affordable). One process writes at a time.
 */
export class SqliteInbox implements EventInbox {
  private readonly db: Database.Database;
  private readonly q;

  constructor(file: string, options: SqliteInboxOptions = {}) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('busy_timeout = 10000');
    // Fewer, larger checkpoints (each one fsyncs the main file) and a page cache that holds the hot indexes.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('cache_size = -65536');
    this.db.exec(INBOX_SCHEMA);
    const seed = this.db.prepare(`INSERT OR IGNORE INTO inbox_counters (name, value) VALUES (?, 0)`);
    for (const c of COUNTERS) seed.run(c);
    const db = this.db;
    this.q = {
      insertEvent: db.prepare(
        `INSERT OR IGNORE INTO inbox_events (source, event_id, subject, type, version, time, received_at, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      touchUser: db.prepare(
        `INSERT INTO inbox_users (subject, pending, oldest_pending_at) VALUES (?, 1, ?)
         ON CONFLICT(subject) DO UPDATE SET pending = pending + 1,
           oldest_pending_at = COALESCE(MIN(oldest_pending_at, excluded.oldest_pending_at), excluded.oldest_pending_at)`,
      ),
      insertDead: db.prepare(
        `INSERT OR IGNORE INTO inbox_dead (seq, source, event_id, subject, type, version, reason, raw, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      bump: db.prepare(`UPDATE inbox_counters SET value = value + ? WHERE name = ?`),
      user: db.prepare<[string], UserRow>(
        `SELECT subject, applied_version, tombstone, last_email, known, attempts FROM inbox_users WHERE subject = ?`,
      ),
      leaseReady: db.prepare<[string, number, number, number, number], UserRow & { pending: number }>(
        `UPDATE inbox_users SET lease_owner = ?, lease_until = ?
         WHERE subject IN (SELECT subject FROM inbox_users WHERE pending > 0 AND next_due <= ? AND lease_until <= ?
                           ORDER BY oldest_pending_at LIMIT ?)
         RETURNING subject, applied_version, tombstone, last_email, known, attempts, pending`,
      ),
      eventsOfMany: db.prepare<[string], EventRow>(
        `SELECT seq, source, event_id, subject, type, version, time, received_at, data FROM inbox_events
         WHERE state = 'pending' AND subject IN (SELECT value FROM json_each(?)) ORDER BY subject, version, seq`,
      ),
      eventsOf: db.prepare<[string, number], EventRow>(
        `SELECT seq, source, event_id, subject, type, version, time, received_at, data FROM inbox_events
         WHERE subject = ? AND state = 'pending' ORDER BY version, seq LIMIT ?`,
      ),
      markEvents: db.prepare(
        `UPDATE inbox_events SET state = ?, data = CASE WHEN ? = 'dead' THEN data ELSE NULL END
         WHERE seq IN (SELECT value FROM json_each(?)) AND state = 'pending'`,
      ),
      deadFromEvents: db.prepare(
        `INSERT INTO inbox_dead (seq, source, event_id, subject, type, version, reason, at)
         SELECT seq, source, event_id, subject, type, version, ?, ? FROM inbox_events
         WHERE seq IN (SELECT value FROM json_each(?))`,
      ),
      applied: db.prepare(
        `UPDATE inbox_users SET applied_version = MAX(applied_version, ?), tombstone = ?, last_email = ?, known = 1,
           attempts = 0, next_due = 0,
           pending = MAX(0, pending - ?),
           -- Usually nothing is left pending: skip the lookup then.
           oldest_pending_at = CASE WHEN pending - ? <= 0 THEN NULL ELSE
             (SELECT MIN(received_at) FROM inbox_events e WHERE e.subject = inbox_users.subject AND e.state = 'pending') END,
           lease_owner = NULL, lease_until = 0
         WHERE subject = ?`,
      ),
      retry: db.prepare(
        `UPDATE inbox_users SET attempts = attempts + 1, next_due = ? WHERE subject = ? AND lease_owner = ?`,
      ),
      resetAttempts: db.prepare(`UPDATE inbox_users SET attempts = 0, next_due = 0 WHERE subject = ?`),
      refresh: db.prepare(
        `UPDATE inbox_users SET
           pending = (SELECT COUNT(*) FROM inbox_events e WHERE e.subject = inbox_users.subject AND e.state = 'pending'),
           oldest_pending_at = (SELECT MIN(received_at) FROM inbox_events e WHERE e.subject = inbox_users.subject AND e.state = 'pending'),
           lease_owner = NULL, lease_until = 0
         WHERE subject = ?`,
      ),
      releaseOwner: db.prepare(`UPDATE inbox_users SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?`),
      rate: db.prepare(
        `INSERT INTO inbox_rate (bucket, applied) VALUES (?, ?) ON CONFLICT(bucket) DO UPDATE SET applied = applied + excluded.applied`,
      ),
      pruneRate: db.prepare(`DELETE FROM inbox_rate WHERE bucket < ?`),
    };
  }

  private bump(name: Counter, by: number): void {
    if (by !== 0) this.q.bump.run(by, name);
  }

  append(events: IncomingEvent[], now = Date.now()): Promise<AppendResult> {
    const result: AppendResult = { accepted: 0, duplicates: 0, dead: 0 };
    this.db.transaction(() => {
      for (const e of events) {
        if (!e.ok) {
          const b = e.bad;
          const r = this.q.insertDead.run(null, b.source, b.id ?? null, b.subject ?? null, null, null, b.reason, b.raw ?? null, now);
          if (r.changes > 0) result.dead += 1;
          else result.duplicates += 1;
          continue;
        }
        const ev = e.event;
        const r = this.q.insertEvent.run(
          ev.source,
          ev.id,
          ev.subject,
          ev.type,
          ev.version,
          ev.time,
          now,
          ev.data === undefined ? null : JSON.stringify(ev.data),
        );
        if (r.changes === 0) {
          result.duplicates += 1;
          continue;
        }
        this.q.touchUser.run(ev.subject, now);
        result.accepted += 1;
      }
      this.bump('received', result.accepted + result.dead);
      this.bump('pending', result.accepted);
      this.bump('duplicates', result.duplicates);
      this.bump('dead', result.dead);
    })();
    return Promise.resolve(result);
  }

  claim(owner: string, maxUsers: number, leaseMs: number, maxEventsPerUser = 100, now = Date.now()): Promise<ClaimedUser[]> {
    const claimed = this.db.transaction(() => {
      // One statement leases the users and returns their state; one more reads their events.
      const users = this.q.leaseReady.all(owner, now + leaseMs, now, now, maxUsers);
      if (users.length === 0) return [];
      const few = users.filter((u) => u.pending <= maxEventsPerUser).map((u) => u.subject);
      const byUser = new Map<string, ClaimedEvent[]>();
      for (const r of few.length > 0 ? this.q.eventsOfMany.all(JSON.stringify(few)) : []) {
        const list = byUser.get(r.subject);
        if (list) list.push(toClaimedEvent(r));
        else byUser.set(r.subject, [toClaimedEvent(r)]);
      }
      // A user with a long backlog gets the first `maxEventsPerUser` only; the rest follow in order.
      for (const u of users) if (u.pending > maxEventsPerUser) byUser.set(u.subject, this.q.eventsOf.all(u.subject, maxEventsPerUser).map(toClaimedEvent));
      return users.map((u) => ({
        subject: u.subject,
        appliedVersion: u.applied_version,
        tombstone: u.tombstone === 1,
        lastEmail: u.last_email ?? undefined,
        known: u.known === 1,
        attempts: u.attempts,
        events: byUser.get(u.subject) ?? [],
      }));
    })();
    return Promise.resolve(claimed);
  }

  settle(owner: string, settlements: UserSettlement[], policy: InboxRetryPolicy, now = Date.now()): Promise<SettleTotals> {
    const totals: SettleTotals = { applied: 0, skipped: 0, retried: 0, dead: 0 };
    this.db.transaction(() => {
      // Event states first, in two statements for the whole call; then one statement per user.
      const applied: number[] = [];
      const skipped: number[] = [];
      for (const s of settlements) {
        if (s.kind === 'applied') applied.push(...s.applied);
        const sk = s.kind === 'skipped' || s.kind === 'applied' ? s.skipped : (s.skipped ?? []);
        skipped.push(...sk);
      }
      totals.applied += this.mark('applied', applied);
      totals.skipped += this.mark('skipped', skipped);
      for (const s of settlements) {
        switch (s.kind) {
          case 'applied': {
            const settled = s.applied.length + s.skipped.length;
            this.q.applied.run(s.version, s.tombstone ? 1 : 0, s.email ?? null, settled, settled, s.subject);
            continue;
          }
          case 'skipped':
            break;
          case 'retry': {
            const u = this.q.user.get(s.subject);
            const attempt = (u?.attempts ?? 0) + 1;
            const wait = s.retryAfterMs ?? policy.backoffMs?.(attempt) ?? 1000;
            this.q.retry.run(now + wait, s.subject, owner);
            totals.retried += 1;
            break;
          }
          case 'dead':
            totals.dead += this.deadLetter(s.events, s.reason, now);
            this.q.resetAttempts.run(s.subject);
            break;
        }
        this.q.refresh.run(s.subject);
      }
      this.bump('applied', totals.applied);
      this.bump('skipped', totals.skipped);
      this.bump('dead', totals.dead);
      this.bump('pending', -(totals.applied + totals.skipped + totals.dead));
      if (totals.applied > 0) {
        const bucket = Math.floor(now / RATE_BUCKET_MS);
        this.q.rate.run(bucket, totals.applied);
        this.q.pruneRate.run(bucket - RATE_BUCKETS * 10);
      }
    })();
    return Promise.resolve(totals);
  }

  private mark(state: 'applied' | 'skipped' | 'dead', seqs: number[]): number {
    if (seqs.length === 0) return 0;
    return this.q.markEvents.run(state, state, JSON.stringify(seqs)).changes;
  }

  private deadLetter(seqs: number[], reason: string, now: number): number {
    if (seqs.length === 0) return 0;
    const json = JSON.stringify(seqs);
    this.q.deadFromEvents.run(reason, now, json);
    return this.mark('dead', seqs);
  }

  releaseOwner(owner: string): Promise<void> {
    this.q.releaseOwner.run(owner);
    return Promise.resolve();
  }

  /** Attempts so far per subject (the threaded wrapper computes backoff delays from them). */
  attemptsOf(subjects: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of subjects) out[s] = this.q.user.get(s)?.attempts ?? 0;
    return Promise.resolve(out);
  }

  releaseDeadOwners(isAlive: (owner: string) => boolean): Promise<number> {
    const owners = this.db
      .prepare(`SELECT DISTINCT lease_owner FROM inbox_users WHERE lease_owner IS NOT NULL`)
      .pluck()
      .all() as string[];
    let n = 0;
    for (const o of owners) if (!isAlive(o)) n += this.q.releaseOwner.run(o).changes;
    return Promise.resolve(n);
  }

  backlog(now = Date.now()): Promise<{ backlog: number; lagMs: number }> {
    const pending = this.db.prepare(`SELECT value FROM inbox_counters WHERE name = 'pending'`).pluck().get() as number;
    const oldest = this.db
      .prepare(`SELECT MIN(oldest_pending_at) FROM inbox_users WHERE pending > 0`)
      .pluck()
      .get() as number | null;
    return Promise.resolve({ backlog: pending, lagMs: oldest === null ? 0 : Math.max(0, now - oldest) });
  }

  stats(now = Date.now()): Promise<InboxStats> {
    const counters = Object.fromEntries(
      (this.db.prepare(`SELECT name, value FROM inbox_counters`).all() as { name: Counter; value: number }[]).map((r) => [
        r.name,
        r.value,
      ]),
    ) as Record<Counter, number>;
    const users = this.db
      .prepare(
        `SELECT COUNT(*) AS users, MIN(oldest_pending_at) AS oldest,
                SUM(CASE WHEN next_due > ? THEN 1 ELSE 0 END) AS retrying,
                MIN(CASE WHEN next_due > ? THEN next_due END) AS next_due
         FROM inbox_users WHERE pending > 0`,
      )
      .get(now, now) as { users: number; oldest: number | null; retrying: number | null; next_due: number | null };
    const tombstones = this.db.prepare(`SELECT COUNT(*) FROM inbox_users WHERE tombstone = 1`).pluck().get() as number;
    const deadByReason = this.db
      .prepare(`SELECT reason, COUNT(*) AS count FROM inbox_dead GROUP BY reason ORDER BY count DESC LIMIT 20`)
      .all() as { reason: string; count: number }[];
    const since = Math.floor(now / RATE_BUCKET_MS) - RATE_BUCKETS;
    const recent = (this.db.prepare(`SELECT COALESCE(SUM(applied), 0) FROM inbox_rate WHERE bucket > ?`).pluck().get(since) ??
      0) as number;
    const oldest = users.oldest ?? undefined;
    return Promise.resolve({
      backlog: counters.pending,
      backlogUsers: users.users,
      retrying: users.retrying ?? 0,
      lagMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
      oldestPendingAt: oldest,
      received: counters.received,
      applied: counters.applied,
      skipped: counters.skipped,
      dead: counters.dead,
      deadByReason,
      tombstones,
      ratePerSec: recent / ((RATE_BUCKETS * RATE_BUCKET_MS) / 1000),
      nextDueAt: users.next_due ?? undefined,
    });
  }

  prune(before: number, limit = 10_000): Promise<number> {
    // received_at grows with seq, so the oldest rows are found by primary key order.
    const n = this.db
      .prepare(
        `DELETE FROM inbox_events WHERE seq IN (
           SELECT seq FROM inbox_events WHERE received_at < ? AND state IN ('applied', 'skipped') ORDER BY seq LIMIT ?)`,
      )
      .run(before, limit).changes;
    return Promise.resolve(n);
  }

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare(
        `SELECT event_id, source, subject, type, version, reason, at FROM inbox_dead ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as {
      event_id: string | null;
      source: string;
      subject: string | null;
      type: string | null;
      version: number | null;
      reason: string;
      at: number;
    }[];
    return Promise.resolve(
      rows.map((r) => ({
        id: r.event_id ?? undefined,
        source: r.source,
        subject: r.subject ?? undefined,
        type: r.type ?? undefined,
        version: r.version ?? undefined,
        reason: r.reason,
        at: r.at,
      })),
    );
  }

  retryDead(): Promise<number> {
    const n = this.db.transaction(() => {
      const subjects = this.db
        .prepare(`SELECT DISTINCT subject FROM inbox_dead WHERE seq IS NOT NULL`)
        .pluck()
        .all() as string[];
      const revived = this.db
        .prepare(
          `UPDATE inbox_events SET state = 'pending' WHERE state = 'dead' AND seq IN (SELECT seq FROM inbox_dead WHERE seq IS NOT NULL)`,
        )
        .run().changes;
      this.db.prepare(`DELETE FROM inbox_dead WHERE seq IS NOT NULL`).run();
      for (const s of subjects) {
        this.q.resetAttempts.run(s);
        this.q.refresh.run(s);
      }
      this.bump('pending', revived);
      this.bump('dead', -revived);
      return revived;
    })();
    return Promise.resolve(n);
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

function toClaimedEvent(r: EventRow): ClaimedEvent {
  return {
    seq: r.seq,
    id: r.event_id,
    source: r.source,
    subject: r.subject,
    type: r.type as UserEventType,
    version: r.version,
    time: r.time,
    receivedAt: r.received_at,
    data: r.data === null ? undefined : (JSON.parse(r.data) as ClaimedEvent['data']),
  };
}

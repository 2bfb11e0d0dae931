import Database from 'better-sqlite3';
import type { EventShape } from '../../model/event.ts';
import type { InboxRetryPolicy, NextClaim, SettleTotals, UserSettlement, UserState } from './inbox.ts';
import { dedupeKey, nextSlot } from './dedupe-key.ts';
import { preparePrivateDatabase } from '../private-file.ts';
import { HELD_DUE, prepareInboxSchema, RATE_BUCKET_MS, RATE_BUCKETS } from './sqlite-schema.ts';
import {
  addEventRow,
  storedAt,
  storedCount,
  type AppendClaimedRow,
  type AppendOutcome,
  type ClaimedRow,
  type EventRow,
  type StoredBatch,
  type StoredView,
} from './wire.ts';

export interface SqliteInboxOptions {
  /**
   * `full` (default): an acknowledged event survives a power cut. `normal`: it survives a crash of
   * the process but not of the machine; measured no faster on this project's machines.
   */
  synchronous?: 'full' | 'normal';
}

export interface ClaimRequest extends NextClaim {
  owner: string;
}

interface UserRow {
  subject: string;
  applied_version: string | number;
  applied_digests: string | null;
  state_shape: EventShape | null;
  state: string | null;
  tombstone: number;
  last_email: string | null;
  known: number;
  attempts: number;
  delete_released: number;
}

/** What a claim hands out of a user's row (its events are added apart). */
function claimedUserOf(u: Omit<UserRow, 'subject'> & { subject?: string }) {
  const state: UserState | undefined = u.state !== null && u.state_shape !== null ? { shape: u.state_shape, json: u.state } : undefined;
  return {
    // A migrated row's column default is 0, a new one's '': both mean nothing applied yet.
    appliedVersion: typeof u.applied_version === 'string' ? u.applied_version : '',
    appliedDigests: u.applied_digests ? u.applied_digests.split(' ') : [],
    state,
    tombstone: u.tombstone === 1,
    lastEmail: u.last_email ?? undefined,
    known: u.known === 1,
    attempts: u.attempts,
    deleteReleased: u.delete_released === 1,
  };
}

const USER_COLUMNS = 'applied_version, applied_digests, state_shape, state, tombstone, last_email, known, attempts, delete_released';

/** `:version` is not older than the stored `applied_version` (see the `applied` statement). */
const NOT_OLDER = `(typeof(applied_version) <> 'text' OR applied_version = '' OR substr(applied_version, 1, 1) <> substr(:version, 1, 1) OR :version >= applied_version)`;

/** Assignments that end `:owner`'s lease, its attempts and its retry time: only its own, never a later owner's. */
const OWNER_LET_GO = `attempts = CASE WHEN lease_owner = :owner THEN 0 ELSE attempts END,
           next_due = CASE WHEN lease_owner = :owner THEN 0 ELSE next_due END,
           lease_owner = CASE WHEN lease_owner = :owner THEN NULL ELSE lease_owner END,
           lease_until = CASE WHEN lease_owner = :owner THEN 0 ELSE lease_until END`;

export const COUNTERS = ['received', 'duplicates', 'duplicates_content', 'applied', 'skipped', 'dead', 'pending', 'ignored'] as const;
export type Counter = (typeof COUNTERS)[number];

/**
 * The SQLite inbox's statements, synchronous and without transactions of their own: the caller
 * decides what one transaction holds. `SqliteInbox` gives each call its own; the inbox thread
 * commits every call that queued up while it was busy in one transaction, because a commit's cost
 * is the pages it writes and calls in one group share pages (the users table above all).
 *
 * WAL, synchronous=FULL: an acknowledged event must survive a power cut. Commits that only record
 * what may safely be done again (settles, leases) skip their own fsync (see `write`).
 */
export class InboxStore {
  readonly db: Database.Database;
  readonly q;
  private readonly configured: 'FULL' | 'NORMAL';
  private syncMode: 'FULL' | 'NORMAL';

  constructor(file: string, options: SqliteInboxOptions = {}) {
    preparePrivateDatabase(file);
    this.db = new Database(file);
    // Takes effect only when the file is created, so a file gets the same pages whether `run` (the
    // ledger sets 16 KiB) or `sync` made it. Against 4 KiB, 1M events from NATS: 20.3k against 18.0k
    // events/s (medians of 5 alternating runs; the inbox thread 0.91 instead of 0.96 busy; session 13).
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.configured = this.syncMode = options.synchronous === 'normal' ? 'NORMAL' : 'FULL';
    this.db.pragma(`synchronous = ${this.syncMode}`);
    this.db.pragma('busy_timeout = 10000');
    // Fewer, larger checkpoints (each one fsyncs the main file) and a page cache that holds the hot indexes.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('cache_size = -65536');
    // The payload sweep (scrub) must leave nothing behind: freed cells and pages are zeroed.
    this.db.pragma('secure_delete = ON');
    prepareInboxSchema(this.db, file);
    const seed = this.db.prepare(`INSERT OR IGNORE INTO inbox_counters (name, value) VALUES (?, 0)`);
    for (const c of COUNTERS) seed.run(c);
    const db = this.db;
    this.q = {
      // Only a taken dedupe slot is ignored; any other constraint failure must still throw.
      insertEvent: db.prepare(
        `INSERT INTO inbox_events (dedupe_key, source, event_id, subject, type, version, time, received_at, shape, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
      ),
      queueEvent: db.prepare(`INSERT INTO inbox_pending (subject, version, seq, received_at) VALUES (?, ?, ?, ?)`),
      inSlot: db.prepare<[number], { source: string; event_id: string }>(`SELECT source, event_id FROM inbox_events WHERE dedupe_key = ?`),
      // A user already waiting only counts more events: this touches no index (see the schema).
      addPending: db.prepare(`UPDATE inbox_users SET pending = pending + ? WHERE subject = ? AND oldest_pending_at IS NOT NULL`),
      // What an append that may lease needs to know of a user, and the three ways its row changes then.
      userForAppend: db.prepare<[string], Omit<UserRow, 'subject'> & { id: number; waiting: number; lease_until: number; next_due: number }>(
        `SELECT rowid AS id, oldest_pending_at IS NOT NULL AS waiting, lease_until, next_due, ${USER_COLUMNS}
         FROM inbox_users WHERE subject = ?`,
      ),
      addPendingAt: db.prepare(`UPDATE inbox_users SET pending = pending + ? WHERE rowid = ?`),
      startPendingAt: db.prepare(
        `UPDATE inbox_users SET pending = pending + :n, oldest_pending_at = :now, lease_owner = COALESCE(:owner, lease_owner),
           lease_until = CASE WHEN :owner IS NULL THEN lease_until ELSE :until END
         WHERE rowid = :id`,
      ),
      newUser: db.prepare(`INSERT INTO inbox_users (subject, applied_version, pending, oldest_pending_at, lease_owner, lease_until) VALUES (?, '', ?, ?, ?, ?)`),
      touchUser: db.prepare(
        `INSERT INTO inbox_users (subject, applied_version, pending, oldest_pending_at) VALUES (?, '', ?, ?)
         ON CONFLICT(subject) DO UPDATE SET pending = pending + excluded.pending,
           oldest_pending_at = COALESCE(MIN(oldest_pending_at, excluded.oldest_pending_at), excluded.oldest_pending_at)`,
      ),
      insertDead: db.prepare(
        `INSERT OR IGNORE INTO inbox_dead (seq, source, event_id, subject, type, version, reason, raw, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      bump: db.prepare(`UPDATE inbox_counters SET value = value + ? WHERE name = ?`),
      user: db.prepare<[string], UserRow>(`SELECT subject, ${USER_COLUMNS} FROM inbox_users WHERE subject = ?`),
      // Expired leases and due retries first (they are the oldest), then fresh users; each from its own index.
      leaseReady: db.prepare<{ owner: string; until: number; now: number; n: number }, UserRow & { pending: number }>(
        `UPDATE inbox_users SET lease_owner = :owner, lease_until = :until
         WHERE subject IN (
           SELECT subject FROM (SELECT subject FROM inbox_users
                                WHERE lease_until > 0 AND lease_until <= :now AND pending > 0 AND next_due <= :now LIMIT :n)
           UNION ALL
           SELECT subject FROM (SELECT subject FROM inbox_users
                                WHERE next_due > 0 AND next_due <= :now AND lease_until <= :now AND pending > 0 ORDER BY next_due LIMIT :n)
           UNION ALL
           SELECT subject FROM (SELECT subject FROM inbox_users
                                WHERE oldest_pending_at IS NOT NULL AND lease_until = 0 AND next_due = 0 ORDER BY oldest_pending_at LIMIT :n)
           LIMIT :n)
         RETURNING subject, ${USER_COLUMNS}, pending`,
      ),
      eventsOfMany: db
        .prepare<[string], EventRow>(
          `SELECT e.seq, e.source, e.event_id, e.subject, e.type, e.version, e.time, e.received_at, e.data, e.shape
           FROM inbox_pending p CROSS JOIN inbox_events e ON e.seq = p.seq
           WHERE p.subject IN (SELECT value FROM json_each(?)) ORDER BY p.subject, p.version, p.seq`,
        )
        .raw(true),
      eventsOf: db
        .prepare<[string, number], EventRow>(
          `SELECT e.seq, e.source, e.event_id, e.subject, e.type, e.version, e.time, e.received_at, e.data, e.shape
           FROM inbox_pending p CROSS JOIN inbox_events e ON e.seq = p.seq
           WHERE p.subject = ? ORDER BY p.version, p.seq LIMIT ?`,
        )
        .raw(true),
      // A user's entries are adjacent: one short range, whatever the size of the backlog.
      unqueue: db.prepare(`DELETE FROM inbox_pending WHERE subject = ? AND seq IN (SELECT value FROM json_each(?))`),
      unqueueOne: db.prepare(`DELETE FROM inbox_pending WHERE subject = ? AND seq = ?`),
      clearPayloads: db.prepare(`UPDATE inbox_events SET data = NULL WHERE seq IN (SELECT value FROM json_each(?))`),
      scrubbed: db.prepare(`SELECT value FROM inbox_counters WHERE name = 'scrubbed'`).pluck(),
      setScrubbed: db.prepare(`INSERT INTO inbox_counters (name, value) VALUES ('scrubbed', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`),
      markDead: db.prepare(`UPDATE inbox_events SET state = 'dead' WHERE seq IN (SELECT value FROM json_each(?))`),
      deadFromEvents: db.prepare(
        `INSERT INTO inbox_dead (seq, source, event_id, subject, type, version, reason, at)
         SELECT seq, source, event_id, subject, type, version, ?, ? FROM inbox_events
         WHERE seq IN (SELECT value FROM json_each(?))`,
      ),
      // Settling can come late, from an owner whose lease expired and was taken over (its call outlived
      // the lease): the user's state then moves only forward (`appliedNewer` only when the settled
      // version is not older than the stored one, see `settle`), the count drops by the events still
      // queued, and the lease, attempts and retry time belong to the current owner and stay theirs.
      // Newer unless the stored version is of the same form and greater: keys of one form compare as
      // text; a version of another form (a migrated `v` key, a producer that switched) is one the
      // plan already found applicable. (The assignments are evaluated against the row as it was.)
      applied: db.prepare<{
        version: string;
        digests: string | null;
        tombstone: number;
        email: string | null;
        setState: number;
        shape: string | null;
        state: string | null;
        settled: number;
        owner: string;
        subject: string;
      }>(
        `UPDATE inbox_users SET
           state_shape = CASE WHEN :setState = 1 AND ${NOT_OLDER} THEN :shape ELSE state_shape END,
           state = CASE WHEN :setState = 1 AND ${NOT_OLDER} THEN :state ELSE state END,
           tombstone = CASE WHEN ${NOT_OLDER} THEN :tombstone ELSE tombstone END,
           last_email = CASE WHEN ${NOT_OLDER} THEN :email ELSE last_email END,
           applied_digests = CASE WHEN ${NOT_OLDER} THEN :digests ELSE applied_digests END,
           delete_released = CASE WHEN ${NOT_OLDER} AND :tombstone = 1 THEN 0 ELSE delete_released END,
           applied_version = CASE WHEN ${NOT_OLDER} THEN :version ELSE applied_version END,
           known = 1,
           pending = MAX(0, pending - :settled),
           -- Usually nothing is left pending: skip the lookup then.
           oldest_pending_at = CASE WHEN pending - :settled <= 0 THEN NULL ELSE
             (SELECT MIN(received_at) FROM inbox_pending p WHERE p.subject = inbox_users.subject) END,
           ${OWNER_LET_GO}
         WHERE subject = :subject`,
      ),
      retry: db.prepare<{ counts: number; due: number; hold: number; subject: string; owner: string }>(
        `UPDATE inbox_users SET attempts = attempts + :counts, next_due = :due, hold_until = :hold WHERE subject = :subject AND lease_owner = :owner`,
      ),
      hold: db.prepare<{ now: number; subject: string; owner: string }>(
        `UPDATE inbox_users SET next_due = ${HELD_DUE}, held_since = COALESCE(held_since, :now) WHERE subject = :subject AND lease_owner = :owner`,
      ),
      resetAttempts: db.prepare(`UPDATE inbox_users SET attempts = 0, next_due = 0, hold_until = 0 WHERE subject = ? AND (lease_owner = ? OR lease_owner IS NULL)`),
      // Through the index of users waiting for a retry: only those, not the whole table.
      wakeRetrying: db.prepare<{ now: number }>(
        `UPDATE inbox_users SET next_due = MAX(:now, hold_until) WHERE next_due > :now AND next_due < ${HELD_DUE}`,
      ),
      releaseHeld: db.prepare(
        `UPDATE inbox_users SET next_due = 0, held_since = NULL, delete_released = 1 WHERE held_since IS NOT NULL`,
      ),
      refresh: db.prepare<{ owner: string; subject: string }>(
        `UPDATE inbox_users SET
           pending = (SELECT COUNT(*) FROM inbox_pending p WHERE p.subject = inbox_users.subject),
           oldest_pending_at = (SELECT MIN(received_at) FROM inbox_pending p WHERE p.subject = inbox_users.subject),
           lease_owner = CASE WHEN lease_owner = :owner THEN NULL ELSE lease_owner END,
           lease_until = CASE WHEN lease_owner = :owner THEN 0 ELSE lease_until END
         WHERE subject = :subject`,
      ),
      releaseOwner: db.prepare(`UPDATE inbox_users SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?`),
      // Through the index of leased users: only the few thousand in flight are read.
      renewLeases: db.prepare<{ owner: string; until: number }>(
        `UPDATE inbox_users SET lease_until = MAX(lease_until, :until) WHERE lease_until > 0 AND lease_owner = :owner`,
      ),
      rate: db.prepare(
        `INSERT INTO inbox_rate (bucket, applied) VALUES (?, ?) ON CONFLICT(bucket) DO UPDATE SET applied = applied + excluded.applied`,
      ),
      pruneRate: db.prepare(`DELETE FROM inbox_rate WHERE bucket < ?`),
    };
  }

  /**
   * Runs `fn` in one write transaction, taking the write lock at its start (no stale-snapshot upgrade
   * failure). With `redoable`, the transaction only records what may safely be done again (settles,
   * leases, housekeeping), and its commit skips the fsync: the next commit that has one (any
   * append's, before its events are acknowledged) makes it durable too, since the WAL is written in
   * order. A power cut can undo such commits made since the last fsync; their users' events are
   * then pending again and are sent again, as states the target already has. A crash of the process
   * alone loses nothing either way. (Measured here: 77 µs per commit instead of 280–460.)
   */
  write<T>(fn: () => T, redoable = false): T {
    const mode = redoable ? 'NORMAL' : this.configured;
    if (mode !== this.syncMode) {
      // Cannot change inside a transaction; cheap outside one (no I/O).
      this.db.pragma(`synchronous = ${mode}`);
      this.syncMode = mode;
    }
    return this.db.transaction(fn).immediate();
  }

  bump(name: Counter | `ignored:${string}`, by: number): void {
    if (by === 0) return;
    if (this.q.bump.run(by, name).changes === 0) this.db.prepare(`INSERT INTO inbox_counters (name, value) VALUES (?, ?)`).run(name, by);
  }

  /**
   * Stores `events` (duplicates are counted and dropped, undecodable ones dead-lettered). With
   * `claim`, the same transaction also leases, for `claim.owner`, up to `claim.maxUsers` of the
   * users that were idle before these events (nothing pending, no lease, no retry due): every event
   * such a user has pending is then in this call, so the caller can apply them from memory without a
   * claim reading them back. Users with older pending events wait for a claim, in order.
   */
  append(batch: StoredBatch, now: number, claim?: ClaimRequest): AppendOutcome {
    const result: AppendOutcome = { accepted: 0, duplicates: 0, dead: 0 };
    let ignored = 0;
    for (const [reason, n] of Object.entries(batch.ignored ?? {})) {
      this.bump(`ignored:${reason.slice(0, 200)}`, n);
      ignored += n;
    }
    if (ignored > 0) {
      result.ignored = ignored;
      this.bump('ignored', ignored);
    }
    for (const b of batch.bad) {
      const r = this.q.insertDead.run(null, b.source, b.id ?? null, b.subject ?? null, null, null, b.reason, b.raw ?? null, now);
      if (r.changes > 0) result.dead += 1;
      else result.duplicates += 1;
    }
    // Accepted events per user, in arrival order: one update of the user's row per call, not one per event.
    const perUser = new Map<string, { index: number; seq: number; version: string }[]>();
    for (let k = 0, n = storedCount(batch); k < n; k++) {
      const e = storedAt(batch, k);
      const seq = this.insert(e, now);
      if (seq === undefined) {
        result.duplicates += 1;
        continue;
      }
      const entry = { index: e.index, seq, version: e.version };
      const list = perUser.get(e.subject);
      if (list) list.push(entry);
      else perUser.set(e.subject, [entry]);
      result.accepted += 1;
    }
    if (claim) result.claimed = { receivedAt: now, users: this.queueUsersLeasingIdle(perUser, claim, now) };
    else for (const [subject, { length: n }] of perUser) if (this.q.addPending.run(n, subject).changes === 0) this.q.touchUser.run(subject, n, now);
    this.bump('received', result.accepted + result.dead);
    this.bump('pending', result.accepted);
    this.bump('duplicates', result.duplicates);
    this.bump('dead', result.dead);
    return result;
  }

  /** Counts each user's new events as pending and leases idle users while `claim` has room; returns those leased. */
  private queueUsersLeasingIdle(perUser: Map<string, { index: number; seq: number; version: string }[]>, claim: ClaimRequest, now: number): AppendClaimedRow[] {
    const leased: AppendClaimedRow[] = [];
    const until = now + claim.leaseMs;
    for (const [subject, list] of perUser) {
      const n = list.length;
      const u = this.q.userForAppend.get(subject);
      if (u?.waiting === 1) {
        this.q.addPendingAt.run(n, u.id);
        continue;
      }
      // A user with more events than one claim takes is left to claims, which take them in turns.
      const take = leased.length < claim.maxUsers && n <= claim.maxEventsPerUser && (u === undefined || (u.lease_until === 0 && u.next_due === 0));
      const owner = take ? claim.owner : null;
      if (u === undefined) this.q.newUser.run(subject, n, now, owner, take ? until : 0);
      else this.q.startPendingAt.run({ n, now, owner, until, id: u.id });
      if (!take) continue;
      // The claim's order (SQLite compares the text keys as these strings compare).
      list.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.seq - b.seq));
      leased.push({
        subject,
        ...(u === undefined
          ? { appliedVersion: '', appliedDigests: [], state: undefined, tombstone: false, lastEmail: undefined, known: false, attempts: 0, deleteReleased: false }
          : claimedUserOf(u)),
        events: list.map(({ index, seq }) => ({ index, seq })),
      });
    }
    return leased;
  }

  /** Inserts the event unless its slot holds the same (source, id), and returns its `seq`; a slot taken by another event (a hash collision) sends it to the next. */
  private insert(ev: StoredView, now: number): number | undefined {
    for (let slot = dedupeKey(ev.source, ev.id); ; slot = nextSlot(slot)) {
      const r = this.q.insertEvent.run(slot, ev.source, ev.id, ev.subject, ev.type, ev.version, ev.time, now, ev.shape, ev.data);
      if (r.changes > 0) {
        const seq = Number(r.lastInsertRowid);
        this.q.queueEvent.run(ev.subject, ev.version, seq, now);
        return seq;
      }
      const taken = this.q.inSlot.get(slot);
      if (taken?.source === ev.source && taken.event_id === ev.id) return undefined;
    }
  }

  claim(r: ClaimRequest, now: number): ClaimedRow[] {
    // One statement leases the users and returns their state; one more reads their events.
    const users = this.q.leaseReady.all({ owner: r.owner, until: now + r.leaseMs, now, n: r.maxUsers });
    if (users.length === 0) return [];
    const few = users.filter((u) => u.pending <= r.maxEventsPerUser).map((u) => u.subject);
    const byUser = new Map<string, ClaimedRow['events']>();
    for (const row of few.length > 0 ? this.q.eventsOfMany.all(JSON.stringify(few)) : []) {
      const list = byUser.get(row[3]);
      const grown = addEventRow(list, row);
      if (!list) byUser.set(row[3], grown);
    }
    // A user with a long backlog gets the first `maxEventsPerUser` only; the rest follow in order.
    for (const u of users) {
      if (u.pending <= r.maxEventsPerUser) continue;
      let list: ClaimedRow['events'] | undefined;
      for (const row of this.q.eventsOf.all(u.subject, r.maxEventsPerUser)) list = addEventRow(list, row);
      byUser.set(u.subject, list ?? []);
    }
    return users.map((u) => ({ subject: u.subject, ...claimedUserOf(u), events: byUser.get(u.subject) ?? [] }));
  }

  settle(owner: string, settlements: UserSettlement[], policy: InboxRetryPolicy, now: number): SettleTotals {
    const totals: SettleTotals = { applied: 0, skipped: 0, duplicates: 0, retried: 0, dead: 0, held: 0 };
    // Settled events leave the queue first, so the user's row below sees what is still pending. Only
    // events still queued count: settling twice (a lease taken over) counts nothing twice.
    const scrubbed = this.scrubbedThrough();
    const passed: number[] = [];
    const settledNow = new Map<string, number>();
    for (const s of settlements) {
      const applied = s.kind === 'applied' ? s.applied : [];
      const a = this.unqueue(s.subject, applied);
      const k = this.unqueue(s.subject, s.skipped ?? []);
      const d = this.unqueue(s.subject, s.duplicates ?? []);
      totals.applied += a;
      totals.skipped += k;
      totals.duplicates! += d;
      settledNow.set(s.subject, (settledNow.get(s.subject) ?? 0) + a + k + d);
      // The payload sweep (admin.scrub) went past these while they were queued: clear them now.
      for (const seq of [...applied, ...(s.skipped ?? []), ...(s.duplicates ?? [])]) if (seq <= scrubbed) passed.push(seq);
      // Events the plan found unusable (cannot be ordered or mapped): dead letters with their reason.
      for (const u of s.unusable ?? []) totals.dead += this.deadLetter(s.subject, u.seqs, u.reason, now);
    }
    if (passed.length > 0) this.clearPayloads(passed);
    for (const s of settlements) {
      switch (s.kind) {
        case 'applied': {
          const settled = settledNow.get(s.subject) ?? 0;
          const digests = s.digests && s.digests.length > 0 ? s.digests.join(' ') : null;
          this.q.applied.run({
            version: s.version,
            digests,
            tombstone: s.tombstone ? 1 : 0,
            email: s.email ?? null,
            setState: s.state === undefined ? 0 : 1,
            shape: s.state?.shape ?? null,
            state: s.state?.json ?? null,
            settled,
            owner,
            subject: s.subject,
          });
          continue;
        }
        case 'skipped':
          break;
        case 'retry': {
          const u = this.q.user.get(s.subject);
          const attempt = (u?.attempts ?? 0) + 1;
          const wait = s.retryAfterMs ?? policy.backoffMs?.(attempt) ?? 1000;
          this.q.retry.run({ counts: s.counts ? 1 : 0, due: now + Math.max(1, wait), hold: s.holdUntil ?? 0, subject: s.subject, owner });
          totals.retried += 1;
          break;
        }
        case 'dead':
          totals.dead += this.deadLetter(s.subject, s.events, s.reason, now);
          this.q.resetAttempts.run(s.subject, owner);
          break;
        case 'held':
          this.q.hold.run({ now, subject: s.subject, owner });
          totals.held! += 1;
          break;
      }
      this.q.refresh.run({ owner, subject: s.subject });
    }
    this.bump('applied', totals.applied);
    this.bump('skipped', totals.skipped);
    this.bump('duplicates_content', totals.duplicates!);
    this.bump('dead', totals.dead);
    this.bump('pending', -(totals.applied + totals.skipped + totals.duplicates! + totals.dead));
    if (totals.applied > 0) {
      const bucket = Math.floor(now / RATE_BUCKET_MS);
      this.q.rate.run(bucket, totals.applied);
      this.q.pruneRate.run(bucket - RATE_BUCKETS * 10);
    }
    return totals;
  }

  /** Users waiting for a retry are due now (those whose call may still land keep their hold). */
  wakeRetrying(now: number): number {
    return this.q.wakeRetrying.run({ now }).changes;
  }

  /** Held deletes go through: their users are claimable at once and the delete cap lets them pass. */
  releaseDeletes(): number {
    return this.q.releaseHeld.run().changes;
  }

  /** The payload sweep's position: payloads of settled events up to this `seq` are cleared. */
  scrubbedThrough(): number {
    return (this.q.scrubbed.get() as number | undefined) ?? 0;
  }

  setScrubbedThrough(seq: number): void {
    this.q.setScrubbed.run(seq);
  }

  clearPayloads(seqs: number[]): void {
    this.q.clearPayloads.run(JSON.stringify(seqs));
  }

  /** Takes `seqs` of `subject` off the queue; returns how many were still on it. */
  private unqueue(subject: string, seqs: number[]): number {
    if (seqs.length === 0) return 0;
    if (seqs.length === 1) return this.q.unqueueOne.run(subject, seqs[0]).changes;
    return this.q.unqueue.run(subject, JSON.stringify(seqs)).changes;
  }

  /** Moves the still-queued `seqs` of `subject` to the dead letters (the event keeps its payload for `retry`). */
  deadLetter(subject: string, seqs: number[], reason: string, now: number): number {
    if (seqs.length === 0) return 0;
    const queued = seqs.filter((seq) => this.q.unqueueOne.run(subject, seq).changes > 0);
    if (queued.length === 0) return 0;
    const list = JSON.stringify(queued);
    this.q.deadFromEvents.run(reason, now, list);
    this.q.markDead.run(list);
    return queued.length;
  }

  releaseOwner(owner: string): number {
    return this.q.releaseOwner.run(owner).changes;
  }

  /** Extends every lease `owner` holds to `until`; returns how many users it holds. */
  renewLeases(owner: string, until: number): number {
    return this.q.renewLeases.run({ owner, until }).changes;
  }

  /** Attempts so far per subject (the threaded wrapper computes backoff delays from them). */
  attemptsOf(subjects: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of subjects) out[s] = this.q.user.get(s)?.attempts ?? 0;
    return out;
  }

  releaseDeadOwners(isAlive: (owner: string) => boolean, holdUntil?: number): number {
    const owners = this.db.prepare(`SELECT DISTINCT lease_owner FROM inbox_users WHERE lease_owner IS NOT NULL`).pluck().all() as string[];
    const shorten = this.db.prepare(`UPDATE inbox_users SET lease_until = MIN(lease_until, ?) WHERE lease_owner = ?`);
    let n = 0;
    for (const o of owners) {
      if (isAlive(o)) continue;
      // A lease that ends is taken by the next claim like an expired one.
      n += holdUntil === undefined ? this.releaseOwner(o) : shorten.run(holdUntil, o).changes;
    }
    return n;
  }

  close(): void {
    this.db.close();
  }
}

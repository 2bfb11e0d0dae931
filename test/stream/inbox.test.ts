import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import os from 'node:os';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { ThreadedSqliteInbox } from '../../src/ledger/inbox/threaded.ts';
import { isOwnerAlive } from '../../src/ledger/owner.ts';
import Database from 'better-sqlite3';
import type { ClaimedUser, EventInbox } from '../../src/ledger/inbox/inbox.ts';
import { ev, n, ok, v } from './fixtures.ts';

const policy = { maxAttempts: 3, backoffMs: () => 1000 };

const IMPLEMENTATIONS: [string, (file: string) => EventInbox][] = [
  ['SqliteInbox', (f) => new SqliteInbox(f)],
  ['ThreadedSqliteInbox', (f) => new ThreadedSqliteInbox(f)],
];

// The contract every inbox implementation (SQLite now, PostgreSQL later) must pass.
describe.each(IMPLEMENTATIONS)('%s', (_name, open) => {
  let inbox: EventInbox;
  let file: string;
  beforeEach(() => {
    file = path.join(mkdtempSync(path.join(tmpdir(), 'inbox-')), 'ledger.sqlite');
    inbox = open(file);
  });
  afterEach(async () => {
    await inbox.close();
  });

  it('appends durably and drops duplicates by source and id', async () => {
    const r1 = await inbox.append([ok(ev('u1', 1)), ok(ev('u1', 2)), ok(ev('u2', 1))]);
    expect(r1).toEqual({ accepted: 3, duplicates: 0, dead: 0 });
    const r2 = await inbox.append([ok(ev('u1', 1)), ok(ev('u3', 1))]);
    expect(r2).toEqual({ accepted: 1, duplicates: 1, dead: 0 });
    await inbox.close();
    inbox = open(file);
    const s = await inbox.stats();
    expect(s.backlog).toBe(4);
    expect(s.backlogUsers).toBe(3);
  });

  it('claims a user once (lease), its events in version order', async () => {
    await inbox.append([ok(ev('u1', 5)), ok(ev('u1', 2)), ok(ev('u1', 9)), ok(ev('u2', 1))]);
    const a = await inbox.claim('A', 10, 60_000);
    expect(a.map((c) => c.subject).sort()).toEqual(['u1', 'u2']);
    expect(a.find((c) => c.subject === 'u1')?.events.map((e) => n(e.version))).toEqual([2, 5, 9]);
    expect(await inbox.claim('B', 10, 60_000)).toEqual([]);
    // An expired lease lets another owner take the user.
    const later = await inbox.claim('B', 10, 60_000, 100, Date.now() + 120_000);
    expect(later).toHaveLength(2);
  });

  it('an append can lease the users it finds idle: their events come back as handed in, in version order', async () => {
    const t0 = Date.now();
    const next = { maxUsers: 10, leaseMs: 1_000, maxEventsPerUser: 100 };
    // u1 already waits with an older event; u2 was applied before (its state must come along).
    await inbox.append([ok(ev('u2', 1))], t0);
    const [u2] = await inbox.claim('B', 10, 60_000, 100, t0);
    await inbox.settle('B', [{ subject: 'u2', kind: 'applied', applied: u2!.events.map((e) => e.seq), skipped: [], version: v(1), tombstone: false, email: 'u2@example.com' }], policy, t0);
    await inbox.append([ok(ev('u1', 1))], t0);
    const handed = [ok(ev('u1', 2)), ok(ev('u3', 7)), ok(ev('u2', 3)), ok(ev('u3', 4)), ok(ev('u2', 1)), ok(ev('u2', 2))];
    const r = await inbox.appendAndClaim!(handed, 'A', next, t0 + 10);
    // u2's version 1 is a redelivery: dropped, not handed back.
    expect(r).toMatchObject({ accepted: 5, duplicates: 1, dead: 0 });
    expect(r.claimed.map((c) => c.subject)).toEqual(['u3', 'u2']);
    const [u3c, u2c] = r.claimed;
    expect(u3c!.events.map((e) => n(e.version))).toEqual([4, 7]);
    expect(u3c!.events[0]!.data).toEqual((handed[3] as { event: { data: unknown } }).event.data);
    expect(u3c).toMatchObject({ appliedVersion: '', known: false, tombstone: false, attempts: 0 });
    expect(u2c).toMatchObject({ appliedVersion: v(1), known: true, lastEmail: 'u2@example.com' });
    expect(u2c!.events.map((e) => [n(e.version), e.receivedAt])).toEqual([[2, t0 + 10], [3, t0 + 10]]);
    // Leased to A: a claim gets only u1, both of its events, in order.
    const others = await inbox.claim('C', 10, 60_000, 100, t0 + 20);
    expect(others.map((c) => [c.subject, c.events.map((e) => n(e.version))])).toEqual([['u1', [1, 2]]]);
    // The lease is an ordinary one: once it expires, a claim reads the same events back.
    const back = await inbox.claim('C', 10, 60_000, 100, t0 + 2_000);
    const read = new Map(back.map((c) => [c.subject, c.events.map((e) => e.seq)]));
    expect(read.get('u3')).toEqual(u3c!.events.map((e) => e.seq));
    expect(read.get('u2')).toEqual(u2c!.events.map((e) => e.seq));
    await inbox.settle('C', back.map((c) => ({ subject: c.subject, kind: 'skipped' as const, skipped: c.events.map((e) => e.seq) })), policy, t0 + 2_100);
    expect(await inbox.stats(t0 + 2_100)).toMatchObject({ backlog: 2, backlogUsers: 1 });
  });

  it('an append leases no more users than asked, and none with more events than a claim takes', async () => {
    const t0 = Date.now();
    const r = await inbox.appendAndClaim!(
      [ok(ev('u1', 1)), ok(ev('u2', 1)), ok(ev('u2', 2)), ok(ev('u2', 3)), ok(ev('u3', 1)), ok(ev('u4', 1))],
      'A',
      { maxUsers: 2, leaseMs: 60_000, maxEventsPerUser: 2 },
      t0,
    );
    expect(r.claimed.map((c) => c.subject)).toEqual(['u1', 'u3']);
    const rest = await inbox.claim('B', 10, 60_000, 2, t0 + 1);
    expect(rest.map((c) => [c.subject, c.events.map((e) => n(e.version))])).toEqual([
      ['u2', [1, 2]],
      ['u4', [1]],
    ]);
    // Settling a user leased at append is settling any claimed user.
    const [u1] = r.claimed;
    await inbox.settle('A', [{ subject: 'u1', kind: 'applied', applied: u1!.events.map((e) => e.seq), skipped: [], version: v(1), tombstone: false, email: undefined }], policy, t0 + 2);
    expect(await inbox.stats(t0 + 2)).toMatchObject({ applied: 1, backlog: 5, backlogUsers: 3 });
    // Once settled, u1 is idle again: the next append may lease it.
    const again = await inbox.appendAndClaim!([ok(ev('u1', 2))], 'A', { maxUsers: 10, leaseMs: 60_000, maxEventsPerUser: 2 }, t0 + 3);
    expect(again.claimed).toMatchObject([{ subject: 'u1', appliedVersion: v(1), known: true }]);
  });

  it('a renewed lease is not taken over; once its owner stops renewing, it expires', async () => {
    await inbox.append([ok(ev('u1', 1)), ok(ev('u2', 1))]);
    const t = Date.now();
    const [first] = await inbox.claim('A', 1, 1000, 100, t);
    expect(await inbox.renewLeases('A', 1000, t + 800)).toBe(1);
    // Past the first lease, within the renewed one: only the other user is free.
    expect((await inbox.claim('B', 10, 1000, 100, t + 1500)).map((c) => c.subject)).toEqual(['u1', 'u2'].filter((s) => s !== first!.subject));
    // B renews only its own lease; A's runs out at t + 1800.
    expect(await inbox.renewLeases('B', 1000, t + 1700)).toBe(1);
    expect((await inbox.claim('B', 10, 1000, 100, t + 1900)).map((c) => c.subject)).toEqual([first!.subject]);
    expect(await inbox.renewLeases('A', 1000, t + 1950)).toBe(0);
    // A settled user holds no lease to renew.
    await inbox.settle('B', [{ subject: first!.subject, kind: 'skipped', skipped: [] }], policy, t + 2000);
    expect(await inbox.renewLeases('B', 1000, t + 2000)).toBe(1);
  });

  it('settles applied events, keeps the version and tombstone, releases the lease', async () => {
    await inbox.append([ok(ev('u1', 1)), ok(ev('u1', 2))]);
    const [c] = await inbox.claim('A', 10, 60_000);
    const seqs = c!.events.map((e) => e.seq);
    await inbox.settle('A', [{ subject: 'u1', kind: 'applied', applied: seqs, skipped: [], version: v(2), tombstone: true, email: 'x@example.com' }], policy);
    let s = await inbox.stats();
    expect(s).toMatchObject({ backlog: 0, applied: 2, tombstones: 1, lagMs: 0 });
    await inbox.append([ok(ev('u1', 1, 'user.updated', 'late'))]);
    const [again] = await inbox.claim('B', 10, 60_000);
    expect(again).toMatchObject({ subject: 'u1', appliedVersion: v(2), tombstone: true, lastEmail: 'x@example.com', known: true });
    await inbox.settle('B', [{ subject: 'u1', kind: 'skipped', skipped: again!.events.map((e) => e.seq) }], policy);
    s = await inbox.stats();
    expect(s).toMatchObject({ backlog: 0, skipped: 1 });
  });

  it('a late settle from an owner whose lease was taken over strands no later event', async () => {
    const t0 = Date.now();
    await inbox.append([ok(ev('u1', 1)), ok(ev('u1', 2))], t0);
    const [a] = await inbox.claim('A', 10, 1_000, 100, t0);
    // A's call outlives its lease: B takes the user over, applies both events and settles first.
    const [b] = await inbox.claim('B', 10, 1_000, 100, t0 + 2_000);
    const seqs = b!.events.map((e) => e.seq);
    const applied = (version: number) => ({ subject: 'u1', kind: 'applied' as const, applied: seqs, skipped: [], version: v(version), tombstone: false, email: undefined });
    await inbox.settle('B', [applied(2)], policy, t0 + 2_100);
    await inbox.append([ok(ev('u1', 3))], t0 + 2_200);
    // While B holds the user again, A's answer finally arrives.
    const [b2] = await inbox.claim('B', 10, 60_000, 100, t0 + 2_300);
    expect(b2?.events.map((e) => n(e.version))).toEqual([3]);
    await inbox.settle('A', [{ ...applied(2), applied: a!.events.map((e) => e.seq) }], policy, t0 + 2_400);
    expect(await inbox.claim('C', 10, 60_000, 100, t0 + 2_500)).toEqual([]);
    let s = await inbox.stats(t0 + 2_500);
    expect(s).toMatchObject({ backlog: 1, backlogUsers: 1, applied: 2 });
    // B's lease was not cut short by A; once B gives up, the event is claimed again, not stranded.
    await inbox.settle('B', [{ subject: 'u1', kind: 'retry', reason: 'HTTP 503', retryAfterMs: 10 }], policy, t0 + 2_600);
    const [again] = await inbox.claim('C', 10, 60_000, 100, t0 + 3_000);
    expect(again?.events.map((e) => n(e.version))).toEqual([3]);
    await inbox.settle('C', [{ subject: 'u1', kind: 'applied', applied: again!.events.map((e) => e.seq), skipped: [], version: v(3), tombstone: false, email: undefined }], policy, t0 + 3_100);
    s = await inbox.stats(t0 + 3_100);
    expect(s).toMatchObject({ backlog: 0, backlogUsers: 0, applied: 3, lagMs: 0 });
  });

  it('a late settle of an older version leaves the newer tombstone and e-mail alone', async () => {
    const t0 = Date.now();
    await inbox.append([ok(ev('u1', 1, 'user.deleted'))], t0);
    const [a] = await inbox.claim('A', 10, 1_000, 100, t0);
    await inbox.append([ok(ev('u1', 2))], t0 + 1_500);
    const [b] = await inbox.claim('B', 10, 60_000, 100, t0 + 2_000);
    const all = b!.events.map((e) => e.seq);
    await inbox.settle('B', [{ subject: 'u1', kind: 'applied', applied: all, skipped: [], version: v(2), tombstone: false, email: 'new@example.com' }], policy, t0 + 2_100);
    await inbox.settle('A', [{ subject: 'u1', kind: 'applied', applied: a!.events.map((e) => e.seq), skipped: [], version: v(1), tombstone: true, email: undefined }], policy, t0 + 2_200);
    await inbox.append([ok(ev('u1', 3))], t0 + 2_300);
    const [next] = await inbox.claim('C', 10, 60_000, 100, t0 + 2_400);
    expect(next).toMatchObject({ appliedVersion: v(2), tombstone: false, lastEmail: 'new@example.com' });
  });

  it('retries with backoff, then dead-letters without blocking later events', async () => {
    await inbox.append([ok(ev('u1', 1)), ok(ev('u2', 1))]);
    const now = Date.now();
    const claimed = await inbox.claim('A', 10, 60_000, 100, now);
    await inbox.settle('A', [{ subject: 'u1', kind: 'retry', reason: 'HTTP 503', counts: true }, { subject: 'u2', kind: 'dead', events: claimed.find((c) => c.subject === 'u2')!.events.map((e) => e.seq), reason: 'rejected: bad email' }], policy, now);
    expect(await inbox.claim('A', 10, 60_000, 100, now + 10)).toEqual([]);
    const s = await inbox.stats(now + 10);
    expect(s).toMatchObject({ backlog: 1, retrying: 1, dead: 1 });
    expect(s.deadByReason).toEqual([{ reason: 'rejected: bad email', count: 1 }]);
    const due = await inbox.claim('A', 10, 60_000, 100, now + 1001);
    expect(due.map((c) => [c.subject, c.attempts])).toEqual([['u1', 1]]);
    await inbox.append([ok(ev('u2', 2))], now + 1002);
    const next = await inbox.claim('B', 10, 60_000, 100, now + 1003);
    expect(next.map((c) => c.subject)).toEqual(['u2']);
    expect(await inbox.retryDead()).toBe(1);
    expect((await inbox.stats()).dead).toBe(0);
  });

  it('dead-letters undecodable events at once, deduplicated by id', async () => {
    const bad = { ok: false as const, bad: { id: 'x1', source: 'hook', reason: 'unparseable: body is not JSON', raw: '{' } };
    expect(await inbox.append([bad, bad])).toEqual({ accepted: 0, duplicates: 1, dead: 1 });
    const d = await inbox.deadLetters();
    expect(d[0]).toMatchObject({ id: 'x1', reason: 'unparseable: body is not JSON' });
    expect(JSON.stringify(d)).not.toContain('raw');
  });

  it("reports lag from the change's own time: time spent upstream counts", async () => {
    const t0 = Date.now();
    // A change made an hour ago that arrives now: an hour of lag, a second in the inbox.
    const old = { ...ev('u9', 1), time: new Date(t0 - 3_600_000).toISOString() };
    await inbox.append([ok(old)], t0);
    const s = await inbox.stats(t0 + 1000);
    expect(s.lagMs).toBeGreaterThanOrEqual(3_600_000);
    expect(s.inboxAgeMs).toBe(1000);
  });

  it('reports lag as the age of the oldest unapplied event, and frees leases of dead owners', async () => {
    const t0 = Date.now();
    await inbox.append([ok(ev('u1', 1))], t0);
    expect((await inbox.stats(t0 + 1500)).lagMs).toBeGreaterThanOrEqual(1500);
    await inbox.claim(`${os.hostname()}:999999:x`, 10, 60_000);
    expect(await inbox.releaseDeadOwners(isOwnerAlive)).toBe(1);
    expect(await inbox.claim('A', 10, 60_000)).toHaveLength(1);
  });

  it('holds the users of a dead owner until the given time: a call it sent may still land', async () => {
    const t0 = Date.now();
    await inbox.append([ok(ev('u1', 1)), ok(ev('u2', 1))], t0);
    expect(await inbox.claim(`${os.hostname()}:999999:y`, 1, 60_000, 100, t0)).toHaveLength(1);
    expect(await inbox.releaseDeadOwners(isOwnerAlive, t0 + 5_000)).toBe(1);
    const others = await inbox.claim('A', 10, 60_000, 100, t0 + 4_999);
    expect(others.map((c) => c.subject)).toEqual(['u2']);
    const back = await inbox.claim('B', 10, 60_000, 100, t0 + 5_000);
    expect(back.map((c) => c.subject)).toEqual(['u1']);
    expect(back[0]!.events.map((e) => n(e.version))).toEqual([1]);
  });
});

describe('SqliteInbox payloads (profiles, password hashes)', () => {
  const payloads = (file: string) => {
    const db = new Database(file, { readonly: true });
    const rows = db.prepare(`SELECT subject, version, data IS NOT NULL AS kept FROM inbox_events ORDER BY seq`).all() as { subject: string; version: string; kept: number }[];
    db.close();
    return rows.filter((r) => r.kept === 1).map((r) => `${r.subject}@${n(r.version)}`);
  };
  const applied = (c: ClaimedUser) => ({ subject: c.subject, kind: 'applied' as const, applied: c.events.map((e) => e.seq), skipped: [], version: c.events.at(-1)!.version, tombstone: false, email: undefined });

  it('are kept while an event waits or is dead, and cleared once it is applied', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'inbox-')), 'ledger.sqlite');
    const inbox = new SqliteInbox(file);
    await inbox.append([ok(ev('u1', 1)), ok(ev('u2', 1)), ok(ev('u3', 1)), ok(ev('u4', 1))]);
    const claimed = await inbox.claim('A', 10, 60_000);
    const by = (s: string) => claimed.find((c) => c.subject === s)!;
    // u1 and u3 applied, u2 dead-lettered, u4 still under lease.
    await inbox.settle('A', [applied(by('u1')), applied(by('u3')), { subject: 'u2', kind: 'dead', events: by('u2').events.map((e) => e.seq), reason: 'rejected' }], policy);
    await inbox.append([ok(ev('u1', 2))]);
    expect(payloads(file)).toEqual(['u1@1', 'u2@1', 'u3@1', 'u4@1', 'u1@2']);
    // The sweep stops behind u4 (still queued) but clears what lies beyond it in its window.
    expect(await inbox.scrub(100)).toBe(3);
    expect(payloads(file)).toEqual(['u2@1', 'u4@1', 'u1@2']);
    // Once u4 is applied the sweep moves on; u1@2 is still waiting.
    await inbox.settle('A', [applied(by('u4'))], policy);
    expect(await inbox.scrub(100)).toBe(1);
    expect(payloads(file)).toEqual(['u2@1', 'u1@2']);
    // A dead letter put back and applied after the sweep passed it is cleared when it settles.
    expect(await inbox.retryDead()).toBe(1);
    const again = await inbox.claim('A', 10, 60_000);
    expect(again.map((c) => c.subject).sort()).toEqual(['u1', 'u2']);
    expect(again.find((c) => c.subject === 'u2')!.events[0]!.data).toMatchObject({ sourceId: 'u2' });
    await inbox.settle('A', again.map(applied), policy);
    expect(payloads(file)).toEqual(['u1@2']);
    expect(await inbox.scrub(100)).toBe(1);
    expect(payloads(file)).toEqual([]);
    expect(await inbox.stats()).toMatchObject({ backlog: 0, applied: 5, dead: 0 });
    await inbox.close();
  });
});

describe('SqliteInbox pruning', () => {
  it('forgets old applied events; a replay that old is skipped by the version guard', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'inbox-')), 'ledger.sqlite');
    const inbox = new SqliteInbox(file);
    const t0 = Date.now() - 10_000;
    await inbox.append([ok(ev('u1', 1)), ok(ev('u1', 2))], t0);
    const [c] = await inbox.claim('A', 10, 60_000, 100, t0);
    await inbox.settle('A', [{ subject: 'u1', kind: 'applied', applied: c!.events.map((e) => e.seq), skipped: [], version: v(2), tombstone: false, email: undefined }], { maxAttempts: 3, backoffMs: () => 1 }, t0);
    expect(await inbox.prune(Date.now() - 5_000)).toBe(2);
    expect(await inbox.append([ok(ev('u1', 2))])).toMatchObject({ accepted: 1 });
    const [again] = await inbox.claim('A', 10, 60_000);
    expect(again).toMatchObject({ appliedVersion: v(2) });
    await inbox.close();
  });

  it('prunes oldest first, at most `limit` a call, never pending or young events', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'inbox-')), 'ledger.sqlite');
    const inbox = new SqliteInbox(file);
    const policy = { maxAttempts: 3, backoffMs: () => 1 };
    const t0 = Date.now() - 100_000;
    // u0..u9 old and applied, one old event still pending (u10), then young applied events (u11..u14).
    for (let i = 0; i < 10; i++) await inbox.append([ok(ev(`u${i}`, 1))], t0 + i);
    await inbox.append([ok(ev('u10', 1))], t0 + 20);
    for (let i = 11; i < 15; i++) await inbox.append([ok(ev(`u${i}`, 1))], Date.now());
    const claimed = await inbox.claim('A', 100, 60_000, 100, t0 + 30);
    const settle = claimed.filter((c) => c.subject !== 'u10');
    await inbox.settle(
      'A',
      settle.map((c) => ({ subject: c.subject, kind: 'applied' as const, applied: c.events.map((e) => e.seq), skipped: [], version: v(1), tombstone: false, email: undefined })),
      policy,
    );
    const before = t0 + 50;
    expect(await inbox.prune(before, 4)).toBe(4);
    expect(await inbox.prune(before, 4)).toBe(4);
    expect(await inbox.prune(before, 4)).toBe(2);
    expect(await inbox.prune(before, 4)).toBe(0);
    // The pruned ids no longer dedupe; the others still do.
    expect(await inbox.append([ok(ev('u0', 1)), ok(ev('u10', 1)), ok(ev('u11', 1))])).toEqual({ accepted: 1, duplicates: 2, dead: 0 });
    expect((await inbox.stats()).backlog).toBe(2);
    await inbox.close();
  });
});

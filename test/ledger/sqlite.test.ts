import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, SqliteLedger, type LedgerUpgrade, type RetryPolicy } from '../../src/ledger/index.ts';
import { User } from '../../src/model/index.ts';
import { SQLITE_SCHEMA_VERSION } from '../../src/ledger/schema-sqlite.ts';
import { writeOldLedger } from './old-ledger.ts';

const policy: RetryPolicy = { maxAttempts: 3, backoffMs: () => 1000 };

function user(id: string, email = `${id}@example.com`) {
  return User.parse({ sourceId: id, email });
}

function staged(id: string, email?: string, position = `line ${id}`) {
  const u = user(id, email);
  return { sourceId: u.sourceId, json: JSON.stringify(u), fingerprint: fingerprint(u), position };
}

describe('SqliteLedger', () => {
  let dir: string;
  let file: string;
  let ledger: SqliteLedger;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    file = path.join(dir, 'ledger.sqlite');
    ledger = new SqliteLedger(file);
  });
  afterEach(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stages new users as pending and an identical re-stage after sync as unchanged', () => {
    const run1 = ledger.beginRun('run');
    expect(ledger.stage(run1, [staged('a'), staged('b')]).map((r) => r.kind)).toEqual(['new', 'new']);
    const batch = ledger.claim('w1', 10, 60_000);
    expect(batch.items.map((i) => i.sourceId).sort()).toEqual(['a', 'b']);
    ledger.settle(batch, batch.items.map((i) => ({ sourceId: i.sourceId, kind: 'ok' as const, action: 'created' as const })), policy);

    const run2 = ledger.beginRun('run');
    const again = ledger.stage(run2, [staged('a'), staged('b', 'new-b@example.com')]);
    expect(again.map((r) => r.kind)).toEqual(['unchanged', 'changed']);
    const second = ledger.claim('w1', 10, 60_000);
    expect(second.items.map((i) => i.sourceId)).toEqual(['b']);
    expect(second.items[0]?.knownToTarget).toBe(true);
  });

  it('flags a legacy id seen twice in one run as a duplicate naming the first position', () => {
    const run = ledger.beginRun('run');
    const results = ledger.stage(run, [staged('a', undefined, 'line 2'), staged('a', 'other@example.com', 'line 9')]);
    expect(results[1]).toEqual({ kind: 'duplicate', firstPosition: 'line 2' });
  });

  it('never hands the same user to two workers while its holder lives, even past the lease time', () => {
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('a')]);
    const now = Date.now();
    expect(ledger.claim('w1', 10, 1000, now).items).toHaveLength(1);
    expect(ledger.claim('w2', 10, 1000, now + 500).items).toHaveLength(0);
    expect(ledger.claim('w2', 10, 1000, now + 1500).items).toHaveLength(0);
  });

  it('stages new users leased to the run when asked, outside the queue, and settles them', () => {
    const run = ledger.beginRun('run');
    const lease = { owner: 'me', until: Date.now() + 60_000 };
    expect(ledger.stage(run, [staged('a'), staged('b')], lease)).toEqual([
      { kind: 'new', leased: true, knownToTarget: false },
      { kind: 'new', leased: true, knownToTarget: false },
    ]);
    expect(ledger.claim('w2', 10, 60_000).items).toHaveLength(0);
    expect(ledger.hasPending()).toBe(false);
    const batch = { owner: 'me', items: ['a', 'b'].map((id) => ({ sourceId: id, op: 'upsert' as const, fingerprint: staged(id).fingerprint, user: undefined, knownToTarget: false, attempts: 0 })) };
    ledger.settle(batch, [{ sourceId: 'a', kind: 'ok', action: 'created' }, { sourceId: 'b', kind: 'retryable', reason: 'HTTP 503' }], policy);
    expect(ledger.stats().byState).toMatchObject({ synced: 1, pending: 1, leased: 0 });
    const run2 = ledger.beginRun('run');
    expect(ledger.stage(run2, [staged('a', 'new-a@example.com')], lease)).toEqual([{ kind: 'changed', leased: true, knownToTarget: true }]);
  });

  it.each([1, 2])('upgrades a ledger written with schema %i and keeps every user, state and payload', (from) => {
    ledger.close();
    rmSync(file);
    writeOldLedger(file, from);
    const upgrades: LedgerUpgrade[] = [];
    ledger = new SqliteLedger(file, { onUpgrade: (u) => upgrades.push(u) });
    // Told before the copy starts, once: opening the upgraded file again says nothing.
    expect(upgrades).toEqual([{ file, from, to: SQLITE_SCHEMA_VERSION, users: 3 }]);
    ledger.close();
    ledger = new SqliteLedger(file, { onUpgrade: (u) => upgrades.push(u) });
    expect(upgrades).toHaveLength(1);
    const check = new Database(file, { readonly: true });
    const indexes = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'`).pluck().all();
    const version = check.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get();
    const tables = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    check.close();
    expect(version).toBe(String(SQLITE_SCHEMA_VERSION));
    expect(indexes).toEqual(expect.arrayContaining(['users_pending', 'users_source_id']));
    expect(indexes).not.toContain('users_queue');
    expect(tables).not.toEqual(expect.arrayContaining(['users_v2']));
    expect(ledger.stats().byState).toMatchObject({ synced: 1, pending: 1, dead: 1 });
    // The pending user comes back with its payload; the synced one is unchanged on a re-stage.
    const batch = ledger.claim('w', 10, 60_000);
    expect(batch.items.map((i) => [i.sourceId, i.user?.email])).toEqual([['pending-1', 'pending-1@example.com']]);
    expect(ledger.stage(ledger.beginRun('run'), [staged('synced-1')])).toEqual([{ kind: 'unchanged' }]);
    expect(ledger.deadLetters(10, true)).toEqual([{ sourceId: 'dead-1', reason: 'HTTP 400 bad phone', code: 'invalid', email: 'dead-1@example.com' }]);
    // New users go on after the copied ones.
    expect(ledger.stage(ledger.beginRun('run'), [staged('new-1')]).map((r) => r.kind)).toEqual(['new']);
  });

  it('retries with backoff, then dead-letters with the last reason', () => {
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('a')]);
    let now = Date.now();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const batch = ledger.claim('w', 10, 60_000, now);
      expect(batch.items).toHaveLength(1);
      ledger.settle(batch, [{ sourceId: 'a', kind: 'retryable', reason: 'HTTP 503' }], policy, now);
      expect(ledger.claim('w', 10, 60_000, now + 10).items).toHaveLength(0); // backing off
      now += 2000;
    }
    const stats = ledger.stats();
    expect(stats.byState.dead).toBe(1);
    expect(stats.deadByReason[0]?.reason).toBe('gave up after 3 attempts: HTTP 503');
    expect(ledger.retryDead({ reason: '503' }).requeued).toBe(1);
    expect(ledger.claim('w', 10, 60_000, now).items).toHaveLength(1);
  });

  it('dead-letters a refused user with the target reason and keeps it dead on an identical re-stage', () => {
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('a')]);
    const batch = ledger.claim('w', 10, 60_000);
    ledger.settle(batch, [{ sourceId: 'a', kind: 'rejected', reason: 'invalid email passed' }], policy);
    const run2 = ledger.beginRun('run');
    expect(ledger.stage(run2, [staged('a')])[0]).toEqual({ kind: 'dead' });
    expect(ledger.hasPending()).toBe(false);
  });

  it('treats a user the target did not answer for as retryable instead of losing it', () => {
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('a'), staged('b')]);
    const batch = ledger.claim('w', 10, 60_000);
    const s = ledger.settle(batch, [{ sourceId: 'a', kind: 'ok', action: 'created' }], policy);
    expect(s.retried).toBe(1);
    expect(ledger.stats().byState.pending).toBe(1);
  });

  it('re-sends a user whose data changed while its call was in flight', () => {
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('a')]);
    const batch = ledger.claim('w', 10, 60_000);
    const run2 = ledger.beginRun('run');
    ledger.stage(run2, [staged('a', 'changed@example.com')]);
    ledger.settle(batch, [{ sourceId: 'a', kind: 'ok', action: 'created' }], policy);
    expect(ledger.stats().byState.pending).toBe(1);
  });

  it('survives reopening: leases of a dead owner are released at once on acquire', () => {
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('a')]);
    const deadOwner = `${os.hostname()}:999999:x`;
    ledger.acquire(deadOwner);
    expect(ledger.claim(deadOwner, 10, 3_600_000).items).toHaveLength(1);
    ledger.close();
    ledger = new SqliteLedger(file);
    const me = `${os.hostname()}:${process.pid}:y`;
    ledger.acquire(me);
    expect(ledger.claim(me, 10, 60_000).items.map((i) => i.sourceId)).toEqual(['a']);
  });

  it('refuses a second live owner', () => {
    const other = `${os.hostname()}:${process.ppid}:z`;
    ledger.acquire(other);
    expect(() => ledger.acquire(`${os.hostname()}:${process.pid}:me`)).toThrow(/another ciam-migrate process/);
  });

  it('lists users that disappeared from the source and queues their deletion only when asked', () => {
    const run1 = ledger.beginRun('run');
    ledger.stage(run1, [staged('a'), staged('b')]);
    const batch = ledger.claim('w', 10, 60_000);
    ledger.settle(batch, batch.items.map((i) => ({ sourceId: i.sourceId, kind: 'ok' as const, action: 'created' as const })), policy);
    const run2 = ledger.beginRun('run');
    ledger.stage(run2, [staged('a')]);
    expect(ledger.missingFrom(run2)).toEqual({ count: 1, sample: ['b'] });
    expect(ledger.hasPending()).toBe(false);
    expect(ledger.queueDeletes(run2)).toBe(1);
    const del = ledger.claim('w', 10, 60_000);
    expect(del.items[0]).toMatchObject({ sourceId: 'b', op: 'delete' });
    ledger.settle(del, [{ sourceId: 'b', kind: 'ok', action: 'deleted' }], policy);
    expect(ledger.stats().byState.deleted).toBe(1);
  });
});

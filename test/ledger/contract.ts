import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, LAST_FULL_READ_KEY, type Batch, type Ledger, type RetryPolicy, type StagedUser } from '../../src/ledger/index.ts';
import type { Outcome } from '../../src/model/index.ts';
import { User, type UserInput } from '../../src/model/index.ts';

/**
 * One empty ledger store per test. `open` may be called again on the same store: a second process,
 * or the same one restarted after a crash, must find everything the first one committed.
 */
export interface LedgerStore {
  open(): Promise<Ledger>;
  dispose(): Promise<void>;
}

const policy: RetryPolicy = { maxAttempts: 3, backoffMs: () => 1000 };

function staged(input: UserInput | string, position?: string): StagedUser {
  const u = User.parse(typeof input === 'string' ? { sourceId: input, email: `${input}@example.com` } : input);
  return { sourceId: u.sourceId, json: JSON.stringify(u), fingerprint: fingerprint(u), position: position ?? `line ${u.sourceId}` };
}

const ok = (batch: Batch, action: 'created' | 'updated' | 'deleted' = 'created'): Outcome[] =>
  batch.items.map((i) => ({ sourceId: i.sourceId, kind: 'ok', action }));

const ids = (batch: Batch) => batch.items.map((i) => i.sourceId).sort();

/** Owners as `newOwnerId` makes them: this machine, a process id. */
const deadOwner = `${os.hostname()}:999999:dead`;
const liveOther = `${os.hostname()}:${process.ppid}:other`;
const me = `${os.hostname()}:${process.pid}:me`;

/**
 * The contract of the bulk `Ledger` port (src/ledger/ledger.ts), run on every implementation:
 * `ledgerContract('SqliteLedger', async () => ...)` in ledger-contract.test.ts, one line each.
 */
export function ledgerContract(name: string, createStore: () => Promise<LedgerStore>): void {
  describe(`Ledger contract: ${name}`, () => {
    let store: LedgerStore;
    let ledger: Ledger;
    beforeEach(async () => {
      store = await createStore();
      ledger = await store.open();
    });
    afterEach(async () => {
      await ledger.close();
      await store.dispose();
    });

    /** Close this process's ledger and open the store again, as the next process would. */
    const reopen = async () => {
      await ledger.close();
      ledger = await store.open();
    };

    describe('fingerprints', () => {
      it('stages new users as pending; an identical re-stage after sync is unchanged and not sent again', async () => {
        const run1 = await ledger.beginRun('run');
        expect((await ledger.stage(run1, [staged('a'), staged('b')])).map((r) => r.kind)).toEqual(['new', 'new']);
        const batch = await ledger.claim('w1', 10, 60_000);
        expect(ids(batch)).toEqual(['a', 'b']);
        expect(batch.items.find((i) => i.sourceId === 'a')).toMatchObject({ op: 'upsert', knownToTarget: false, attempts: 0, user: { email: 'a@example.com' } });
        expect(await ledger.settle(batch, ok(batch), policy)).toEqual({ created: 2, updated: 0, deleted: 0, retried: 0, dead: 0 });

        const run2 = await ledger.beginRun('run');
        const again = await ledger.stage(run2, [staged('a'), staged({ sourceId: 'b', email: 'new-b@example.com' })]);
        expect(again.map((r) => r.kind)).toEqual(['unchanged', 'changed']);
        expect(again[1]).toMatchObject({ leased: false, knownToTarget: true });
        const second = await ledger.claim('w1', 10, 60_000);
        expect(ids(second)).toEqual(['b']);
        expect(second.items[0]).toMatchObject({ knownToTarget: true, user: { email: 'new-b@example.com' } });
        expect(await ledger.settle(second, ok(second, 'updated'), policy)).toMatchObject({ updated: 1 });
        expect(await ledger.hasPending()).toBe(false);
        expect((await ledger.peek(['a', 'b', 'nobody'])).get('b')).toEqual({ fingerprint: staged({ sourceId: 'b', email: 'new-b@example.com' }).fingerprint, state: 'synced', op: 'upsert' });
        expect((await ledger.peek(['nobody'])).size).toBe(0);
      });

      it('flags a legacy id seen twice in one run as a duplicate naming the first position', async () => {
        const run = await ledger.beginRun('run');
        const results = await ledger.stage(run, [staged('a', 'line 2'), staged({ sourceId: 'a', email: 'other@example.com' }, 'line 9')]);
        expect(results[1]).toEqual({ kind: 'duplicate', firstPosition: 'line 2' });
      });

      it('re-sends a user whose data changed while its call was in flight', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        const batch = await ledger.claim('w', 10, 60_000);
        await ledger.stage(await ledger.beginRun('run'), [staged({ sourceId: 'a', email: 'changed@example.com' })]);
        await ledger.settle(batch, ok(batch), policy);
        expect((await ledger.stats()).byState.pending).toBe(1);
        const next = await ledger.claim('w', 10, 60_000);
        expect(next.items[0]?.user?.email).toBe('changed@example.com');
      });
    });

    describe('claims and leases', () => {
      it('never hands the same user to two workers while its holder lives, even past the lease time', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        const now = Date.now();
        expect((await ledger.claim('w1', 10, 1000, now)).items).toHaveLength(1);
        expect((await ledger.claim('w2', 10, 1000, now + 500)).items).toHaveLength(0);
        expect((await ledger.claim('w2', 10, 1000, now + 1500)).items).toHaveLength(0);
      });

      it('claims at most `max` users per batch', async () => {
        await ledger.stage(await ledger.beginRun('run'), ['a', 'b', 'c'].map((id) => staged(id)));
        expect((await ledger.claim('w', 2, 60_000)).items).toHaveLength(2);
        expect((await ledger.claim('w', 2, 60_000)).items).toHaveLength(1);
        expect((await ledger.claim('w', 2, 60_000)).items).toHaveLength(0);
      });

      it('stages new and changed users leased to the run when asked, outside the queue, and settles them', async () => {
        const run = await ledger.beginRun('run');
        const lease = { owner: 'me', until: Date.now() + 60_000 };
        expect(await ledger.stage(run, [staged('a'), staged('b')], lease)).toEqual([
          { kind: 'new', leased: true, knownToTarget: false },
          { kind: 'new', leased: true, knownToTarget: false },
        ]);
        expect((await ledger.claim('w2', 10, 60_000)).items).toHaveLength(0);
        expect(await ledger.hasPending()).toBe(false);
        const batch = { owner: 'me', items: ['a', 'b'].map((id) => ({ sourceId: id, op: 'upsert' as const, fingerprint: staged(id).fingerprint, user: undefined, knownToTarget: false, attempts: 0 })) };
        await ledger.settle(batch, [{ sourceId: 'a', kind: 'ok', action: 'created' }, { sourceId: 'b', kind: 'retryable', reason: 'HTTP 503' }], policy);
        expect((await ledger.stats()).byState).toMatchObject({ synced: 1, pending: 1, leased: 0 });
        const run2 = await ledger.beginRun('run');
        expect(await ledger.stage(run2, [staged({ sourceId: 'a', email: 'new-a@example.com' })], lease)).toEqual([{ kind: 'changed', leased: true, knownToTarget: true }]);
      });

      it('a settle by another owner than the lease holder changes nothing', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        const batch = await ledger.claim('w1', 10, 60_000);
        await ledger.settle({ owner: 'w2', items: batch.items }, ok(batch), policy);
        expect((await ledger.stats()).byState).toMatchObject({ leased: 1, synced: 0 });
      });
    });

    describe('acks with outcomes', () => {
      it('treats a user the target did not answer for as retryable instead of losing it', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a'), staged('b')]);
        const batch = await ledger.claim('w', 10, 60_000);
        const s = await ledger.settle(batch, [{ sourceId: 'a', kind: 'ok', action: 'created' }], policy);
        expect(s).toMatchObject({ created: 1, retried: 1 });
        expect((await ledger.stats()).byState).toMatchObject({ synced: 1, pending: 1 });
      });

      it('retries after the backoff or the target\'s Retry-After, then dead-letters with the last reason', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        let now = Date.now();
        for (let attempt = 1; attempt <= 3; attempt++) {
          const batch = await ledger.claim('w', 10, 60_000, now);
          expect(batch.items).toHaveLength(1);
          expect(batch.items[0]?.attempts).toBe(attempt - 1);
          await ledger.settle(batch, [{ sourceId: 'a', kind: 'retryable', reason: 'HTTP 503', ...(attempt === 2 ? { retryAfterMs: 1500 } : {}) }], policy, now);
          if (attempt < 3) expect(await ledger.nextDueAt()).toBe(now + (attempt === 2 ? 1500 : 1000));
          expect((await ledger.claim('w', 10, 60_000, now + 10)).items).toHaveLength(0); // backing off
          now += 2000;
        }
        const stats = await ledger.stats();
        expect(stats.byState.dead).toBe(1);
        expect(stats.deadByReason).toEqual([{ reason: 'gave up after 3 attempts: HTTP 503', count: 1 }]);
        expect(await ledger.nextDueAt()).toBeUndefined();
      });

      it('redacts secrets from the reasons it stores', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        const batch = await ledger.claim('w', 10, 60_000);
        await ledger.settle(batch, [{ sourceId: 'a', kind: 'rejected', reason: 'HTTP 400: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' }], policy);
        const [dead] = await ledger.deadLetters(10, false);
        expect(dead?.reason).toContain('HTTP 400');
        expect(dead?.reason).not.toContain('eyJhbGciOiJIUzI1NiJ9');
      });
    });

    describe('dead letters, retry and requeue', () => {
      it('dead-letters a refused user with the target\'s reason and code, and keeps it dead on an identical re-stage', async () => {
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        const batch = await ledger.claim('w', 10, 60_000);
        expect(await ledger.settle(batch, [{ sourceId: 'a', kind: 'rejected', reason: 'invalid email passed', code: 'invalid' }], policy)).toMatchObject({ dead: 1 });
        expect(await ledger.deadLetters(10, false)).toEqual([{ sourceId: 'a', reason: 'invalid email passed', code: 'invalid' }]);
        // The e-mail only when asked for (PII).
        expect(await ledger.deadLetters(10, true)).toEqual([{ sourceId: 'a', reason: 'invalid email passed', code: 'invalid', email: 'a@example.com' }]);
        expect((await ledger.peek(['a'])).get('a')).toMatchObject({ state: 'dead', reason: 'invalid email passed' });
        expect((await ledger.stage(await ledger.beginRun('run'), [staged('a')]))[0]).toEqual({ kind: 'dead' });
        expect(await ledger.hasPending()).toBe(false);
        // A changed user is worth another try.
        expect((await ledger.stage(await ledger.beginRun('run'), [staged({ sourceId: 'a', email: 'fixed@example.com' })]))[0]).toMatchObject({ kind: 'changed' });
        expect(await ledger.hasPending()).toBe(true);
      });

      it('retry puts back dead letters by reason, and only those the last full read of the source still had', async () => {
        const run1 = await ledger.beginRun('run');
        await ledger.stage(run1, ['stays', 'leaves', 'other'].map((id) => staged(id)));
        const batch = await ledger.claim('w', 10, 60_000);
        await ledger.settle(batch, batch.items.map((i): Outcome => ({ sourceId: i.sourceId, kind: 'rejected', reason: i.sourceId === 'other' ? 'HTTP 409 conflict' : 'HTTP 417 invalid' })), policy);
        // No full read recorded yet: nothing tells who left, every match goes back.
        expect(await ledger.retryDead({ reason: '409' })).toEqual({ requeued: 1, goneFromSource: 0, fullReadRun: undefined });
        expect(ids(await ledger.claim('w', 10, 60_000))).toEqual(['other']);
        await ledger.setMeta(LAST_FULL_READ_KEY, String(run1));
        // The next full read no longer has `leaves`.
        const run2 = await ledger.beginRun('run');
        expect((await ledger.stage(run2, [staged('stays')])).map((r) => r.kind)).toEqual(['dead']);
        await ledger.setMeta(LAST_FULL_READ_KEY, String(run2));
        expect(await ledger.getMeta(LAST_FULL_READ_KEY)).toBe(String(run2));
        expect(await ledger.retryDead({ reason: '417' })).toEqual({ requeued: 1, goneFromSource: 1, fullReadRun: run2 });
        const again = await ledger.claim('w', 10, 60_000);
        expect(ids(again)).toEqual(['stays']);
        expect(again.items[0]?.attempts).toBe(0);
        expect((await ledger.stats()).byState.dead).toBe(1);
      });

      it('requeue: known users with their current payload, unknown ones created, leased ones left to their holder', async () => {
        await ledger.stage(await ledger.beginRun('run'), ['synced', 'dead', 'leased'].map((id) => staged(id)));
        const batch = await ledger.claim('owner-1', 10, 60_000);
        await ledger.settle(
          { owner: 'owner-1', items: batch.items.filter((i) => i.sourceId !== 'leased') },
          [
            { sourceId: 'synced', kind: 'ok', action: 'created' },
            { sourceId: 'dead', kind: 'rejected', reason: 'refused' },
          ],
          { maxAttempts: 1, backoffMs: () => 0 },
        );
        expect((await ledger.stats()).byState).toMatchObject({ synced: 1, dead: 1, leased: 1 });
        const changed = staged({ sourceId: 'synced', email: 'moved@example.com' });
        expect(await ledger.requeue([changed, staged('dead'), staged('leased'), staged('fresh')], new Set(['synced']))).toBe(3);
        expect((await ledger.stats()).byState).toMatchObject({ pending: 3, leased: 1, dead: 0, synced: 0 });
        const claimed = (await ledger.claim('owner-2', 10, 60_000)).items;
        expect(claimed.map((i) => i.sourceId).sort()).toEqual(['dead', 'fresh', 'synced']);
        // The target no longer has "synced": its next send is a creation, with the new payload.
        expect(claimed.find((i) => i.sourceId === 'synced')).toMatchObject({ fingerprint: changed.fingerprint, knownToTarget: false, attempts: 0, user: { email: 'moved@example.com' } });
        expect((await ledger.peek(['dead'])).get('dead')?.reason).toBeUndefined();
      });

      it('hold: a user held back for a shared identifier is seen by the run, and dead-lettered if it was queued', async () => {
        const run1 = await ledger.beginRun('run');
        await ledger.stage(run1, [staged('queued'), staged('synced')]);
        const batch = await ledger.claim('w', 10, 60_000);
        await ledger.settle({ owner: 'w', items: batch.items.filter((i) => i.sourceId === 'synced') }, [{ sourceId: 'synced', kind: 'ok', action: 'created' }], policy);
        await ledger.settle({ owner: 'w', items: batch.items.filter((i) => i.sourceId === 'queued') }, [{ sourceId: 'queued', kind: 'retryable', reason: 'HTTP 503' }], { maxAttempts: 3, backoffMs: () => 0 });
        const run2 = await ledger.beginRun('run');
        const reason = 'shares its email with line 7; not sent';
        await ledger.hold(run2, [
          { sourceId: 'queued', position: 'line 3', reason },
          { sourceId: 'synced', position: 'line 4', reason },
        ]);
        expect((await ledger.peek(['queued'])).get('queued')).toMatchObject({ state: 'dead', reason });
        expect((await ledger.deadLetters(10, false))[0]).toEqual({ sourceId: 'queued', reason, code: 'duplicate_identifier' });
        expect((await ledger.peek(['synced'])).get('synced')?.state).toBe('synced');
        // Seen in this run: neither is taken for deleted at the source.
        expect(await ledger.missingFrom(run2)).toEqual({ count: 0, sample: [] });
      });
    });

    describe('removed users and deletes', () => {
      it('lists users that disappeared from the source and queues their deletion only when asked', async () => {
        const run1 = await ledger.beginRun('run');
        await ledger.stage(run1, [staged('a'), staged('b'), staged('never-sent')]);
        const batch = await ledger.claim('w', 10, 60_000);
        await ledger.settle({ owner: 'w', items: batch.items.filter((i) => i.sourceId !== 'never-sent') }, [{ sourceId: 'a', kind: 'ok', action: 'created' }, { sourceId: 'b', kind: 'ok', action: 'created' }], policy);
        expect(await ledger.heldByTarget()).toBe(2);
        const run2 = await ledger.beginRun('run');
        await ledger.stage(run2, [staged('a')]);
        // Only what the target has can be deleted from it.
        expect(await ledger.missingFrom(run2)).toEqual({ count: 1, sample: ['b'] });
        expect(await ledger.queueDeletes(run2)).toBe(1);
        const del = await ledger.claim('w', 10, 60_000);
        expect(del.items).toHaveLength(1);
        expect(del.items[0]).toMatchObject({ sourceId: 'b', op: 'delete', user: undefined });
        expect(await ledger.settle(del, ok(del, 'deleted'), policy)).toMatchObject({ deleted: 1 });
        expect((await ledger.stats()).byState.deleted).toBe(1);
        expect(await ledger.heldByTarget()).toBe(1);
        expect(await ledger.missingFrom(await ledger.beginRun('run'))).toMatchObject({ count: 1, sample: ['a'] });
      });

      it('lists the ids the target has in pages, dead letters after an earlier success included', async () => {
        const run = await ledger.beginRun('run');
        await ledger.stage(run, ['a', 'b', 'c', 'd', 'e'].map((id) => staged(id)));
        const batch = await ledger.claim('w', 10, 60_000);
        await ledger.settle({ owner: 'w', items: batch.items.filter((i) => i.sourceId !== 'e') }, ok({ owner: 'w', items: batch.items.filter((i) => i.sourceId !== 'e') }), policy);
        // d changes and is refused: the target still has its earlier version.
        await ledger.stage(await ledger.beginRun('run'), [staged({ sourceId: 'd', email: 'd2@example.com' })]);
        const d = await ledger.claim('w', 10, 60_000);
        await ledger.settle(d, [{ sourceId: 'd', kind: 'rejected', reason: 'no' }], policy);
        const pages: string[][] = [];
        for await (const page of ledger.syncedIds(2)) pages.push(page);
        expect(pages.every((p) => p.length <= 2)).toBe(true);
        expect(pages.flat().sort()).toEqual(['a', 'b', 'c', 'd']);
        // The ledger may be written between pages.
        const seen: string[] = [];
        for await (const page of ledger.syncedIds(2)) {
          seen.push(...page);
          await ledger.setMeta('between-pages', String(seen.length));
        }
        expect(seen.sort()).toEqual(['a', 'b', 'c', 'd']);
      });

      it('remembers what a changed user lost until the target has the new version', async () => {
        const full = { sourceId: 'u1', email: 'u1@example.com', phone: '+4917612340001', attributes: { tier: 'gold' }, identities: [{ provider: 'google', providerUserId: 'g1' }] };
        await ledger.stage(await ledger.beginRun('run'), [staged(full)]);
        // Never reached the target: nothing to clear yet.
        expect((await ledger.stage(await ledger.beginRun('run'), [staged({ ...full, phone: undefined })]))[0]).toEqual({ kind: 'changed', leased: false, knownToTarget: false });
        await ledger.stage(await ledger.beginRun('run'), [staged(full)]);
        const first = await ledger.claim('w', 10, 60_000);
        await ledger.settle(first, ok(first), policy);

        const lost = await ledger.stage(await ledger.beginRun('run'), [staged({ sourceId: 'u1', email: 'u1@example.com' })]);
        expect(lost[0]).toMatchObject({ kind: 'changed', knownToTarget: true, removed: ['attributes.tier', 'identities.google', 'phone'] });
        // A second change before the first reached the target keeps what is still to clear.
        const again = await ledger.stage(await ledger.beginRun('run'), [staged({ sourceId: 'u1', email: 'u1@example.com', phone: '+4917612349999' })]);
        expect(again[0]).toMatchObject({ removed: ['attributes.tier', 'identities.google'] });
        const sent = await ledger.claim('w', 10, 60_000);
        expect(sent.items[0]?.removed).toEqual(['attributes.tier', 'identities.google']);
        await ledger.settle(sent, ok(sent, 'updated'), policy);
        // Once the target has it, nothing is left to clear.
        expect((await ledger.stage(await ledger.beginRun('run'), [staged({ sourceId: 'u1', email: 'u1@example.com', phone: '+4917612340002' })]))[0]).not.toHaveProperty('removed');
      });
    });

    describe('history: runs, rejects, progress', () => {
      it('keeps runs newest first with their status and summary', async () => {
        const a = await ledger.beginRun('run');
        await ledger.finishRun(a, 'completed', { staged: { read: 3 } });
        const b = await ledger.beginRun('verify');
        const runs = (await ledger.stats()).runs;
        expect(runs.map((r) => r.id)).toEqual([b, a]);
        expect(runs[0]).toMatchObject({ kind: 'verify', status: 'running', finishedAt: undefined });
        expect(runs[1]).toMatchObject({ kind: 'run', status: 'completed', summary: { staged: { read: 3 } } });
        expect(runs[1]?.finishedAt).toBeDefined();
      });

      it('records a run\'s rejects, grouped by reason, and its progress points in order', async () => {
        const run = await ledger.beginRun('run');
        await ledger.recordRejects(run, [
          { position: 'line 2', sourceId: undefined, reason: 'no email' },
          { position: 'line 3', sourceId: 'x', reason: 'no email' },
          { position: 'line 4', sourceId: 'y', reason: 'bad phone' },
        ]);
        expect(await ledger.rejectsOf(run, 2)).toEqual([
          { position: 'line 2', sourceId: undefined, reason: 'no email' },
          { position: 'line 3', sourceId: 'x', reason: 'no email' },
        ]);
        expect(await ledger.rejectReasons(run)).toEqual([
          { reason: 'no email', count: 2 },
          { reason: 'bad phone', count: 1 },
        ]);
        expect(await ledger.rejectsOf(await ledger.beginRun('run'))).toEqual([]);
        const point = { t: 1000, created: 5, updated: 0, deleted: 0, dead: 1, retried: 0, calls: 1, throttled: 0 };
        await ledger.recordProgress(run, point);
        await ledger.recordProgress(run, { ...point, t: 2000, created: 9 });
        expect((await ledger.progressOf(run)).map((p) => [p.t, p.created])).toEqual([
          [1000, 5],
          [2000, 9],
        ]);
      });

      it('keeps small settings by key', async () => {
        expect(await ledger.getMeta('cursor')).toBeUndefined();
        await ledger.setMeta('cursor', '2026-01-01');
        await ledger.setMeta('cursor', '2026-02-01');
        await reopen();
        expect(await ledger.getMeta('cursor')).toBe('2026-02-01');
      });
    });

    describe('ownership and resume after a crash', () => {
      it('a new owner takes back the leases of a dead one at once, and finds its payloads', async () => {
        await ledger.acquire(deadOwner);
        await ledger.stage(await ledger.beginRun('run'), [staged('a')]);
        expect((await ledger.claim(deadOwner, 10, 3_600_000)).items).toHaveLength(1);
        // Killed: no settle, no release.
        await reopen();
        await ledger.acquire(me);
        const batch = await ledger.claim(me, 10, 60_000);
        expect(batch.items.map((i) => [i.sourceId, i.user?.email])).toEqual([['a', 'a@example.com']]);
        await ledger.settle(batch, ok(batch), policy);
        expect((await ledger.stats()).byState.synced).toBe(1);
        await ledger.release(me);
      });

      it('a run whose process died is marked interrupted when the next process takes the ledger; finished runs keep their status', async () => {
        await ledger.acquire(deadOwner);
        const killed = await ledger.beginRun('run');
        await reopen();
        await ledger.acquire(me);
        const run = (await ledger.stats()).runs.find((r) => r.id === killed);
        expect(run?.status).toBe('interrupted');
        expect(run?.finishedAt).toBeDefined();
        expect(String(run?.summary['error'])).toMatch(/stopped without finishing/);
        const next = await ledger.beginRun('run');
        await ledger.finishRun(next, 'completed', {});
        await ledger.acquire(me);
        expect((await ledger.stats()).runs.find((r) => r.id === next)?.status).toBe('completed');
      });

      it('refuses a second live owner, and lets it in once the first has released', async () => {
        await ledger.acquire(liveOther);
        await expect(ledger.acquire(me)).rejects.toThrow(/another ciam-migrate process/);
        await ledger.release(liveOther);
        await expect(ledger.acquire(me)).resolves.toBeUndefined();
      });

      it('what was staged and settled survives a reopen', async () => {
        const run = await ledger.beginRun('run');
        await ledger.stage(run, [staged('a'), staged('b')]);
        const batch = await ledger.claim('w', 1, 60_000);
        await ledger.settle(batch, ok(batch), policy);
        await reopen();
        const stats = await ledger.stats();
        expect(stats.total).toBe(2);
        expect(stats.byState).toMatchObject({ synced: 1, pending: 1 });
        expect((await ledger.stage(await ledger.beginRun('run'), [staged(ids(batch)[0] ?? '')]))[0]).toEqual({ kind: 'unchanged' });
      });
    });
  });
}

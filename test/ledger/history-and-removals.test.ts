import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, LAST_FULL_READ_KEY, SqliteLedger, type RetryPolicy } from '../../src/ledger/index.ts';
import { User, type UserInput } from '../../src/model/index.ts';

const policy: RetryPolicy = { maxAttempts: 3, backoffMs: () => 1000 };

function staged(input: UserInput, position = `line ${input.sourceId}`) {
  const u = User.parse(input);
  return { sourceId: u.sourceId, json: JSON.stringify(u), fingerprint: fingerprint(u), position };
}

describe('ledger: run history, retry of users gone from the source, removed fields', () => {
  let dir: string;
  let ledger: SqliteLedger;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-history-'));
    ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
  });
  afterEach(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run whose process died (killed -9) is marked interrupted when the next process takes the ledger', () => {
    // An owner on this machine whose process no longer exists.
    ledger.acquire(`${os.hostname()}:999999`);
    const killed = ledger.beginRun('run');
    // The process is gone: no finishRun, no release. A new process takes over.
    ledger.acquire(`${os.hostname()}:${process.pid}`);
    const run = ledger.stats().runs.find((r) => r.id === killed);
    expect(run?.status).toBe('interrupted');
    expect(run?.finishedAt).toBeDefined();
    expect(String(run?.summary['error'])).toMatch(/stopped without finishing/);
    // A finished run keeps its status.
    const next = ledger.beginRun('run');
    ledger.finishRun(next, 'completed', {});
    ledger.acquire(`${os.hostname()}:${process.pid}`);
    expect(ledger.stats().runs.find((r) => r.id === next)?.status).toBe('completed');
  });

  it('retry puts back only dead letters the last full read of the source still had', () => {
    const run1 = ledger.beginRun('run');
    ledger.stage(run1, [staged({ sourceId: 'stays', email: 'stays@example.com' }), staged({ sourceId: 'leaves', email: 'leaves@example.com' })]);
    const batch = ledger.claim('w', 10, 60_000);
    ledger.settle(batch, batch.items.map((i) => ({ sourceId: i.sourceId, kind: 'rejected' as const, reason: 'HTTP 417 invalid' })), policy);
    ledger.setMeta(LAST_FULL_READ_KEY, String(run1));
    // The next full read no longer has `leaves`.
    const run2 = ledger.beginRun('run');
    expect(ledger.stage(run2, [staged({ sourceId: 'stays', email: 'stays@example.com' })]).map((r) => r.kind)).toEqual(['dead']);
    ledger.setMeta(LAST_FULL_READ_KEY, String(run2));
    expect(ledger.retryDead()).toEqual({ requeued: 1, goneFromSource: 1, fullReadRun: run2 });
    expect(ledger.claim('w', 10, 60_000).items.map((i) => i.sourceId)).toEqual(['stays']);
    expect(ledger.stats().byState.dead).toBe(1);
  });

  it('remembers what a changed user lost until the target has the new version, and counts the users the target holds', () => {
    const full = { sourceId: 'u1', email: 'u1@example.com', phone: '+4917612340001', attributes: { tier: 'gold' }, identities: [{ provider: 'google', providerUserId: 'g1' }] };
    const run1 = ledger.beginRun('run');
    ledger.stage(run1, [staged(full)]);
    // Never reached the target: nothing to clear yet.
    const run1b = ledger.beginRun('run');
    expect(ledger.stage(run1b, [staged({ ...full, phone: undefined })])[0]).toEqual({ kind: 'changed', leased: false, knownToTarget: false });
    ledger.stage(ledger.beginRun('run'), [staged(full)]);
    const first = ledger.claim('w', 10, 60_000);
    ledger.settle(first, [{ sourceId: 'u1', kind: 'ok', action: 'created' }], policy);
    expect(ledger.heldByTarget()).toBe(1);

    const run2 = ledger.beginRun('run');
    const lost = ledger.stage(run2, [staged({ sourceId: 'u1', email: 'u1@example.com' })]);
    expect(lost[0]).toMatchObject({ kind: 'changed', knownToTarget: true, removed: ['attributes.tier', 'identities.google', 'phone'] });
    // A second change before the first reached the target keeps what is still to clear.
    const run3 = ledger.beginRun('run');
    const again = ledger.stage(run3, [staged({ sourceId: 'u1', email: 'u1@example.com', phone: '+4917612349999' })]);
    expect(again[0]).toMatchObject({ removed: ['attributes.tier', 'identities.google'] });
    const sent = ledger.claim('w', 10, 60_000);
    expect(sent.items[0]?.removed).toEqual(['attributes.tier', 'identities.google']);
    ledger.settle(sent, [{ sourceId: 'u1', kind: 'ok', action: 'updated' }], policy);
    // Once the target has it, nothing is left to clear.
    const run4 = ledger.beginRun('run');
    expect(ledger.stage(run4, [staged({ sourceId: 'u1', email: 'u1@example.com', phone: '+4917612340002' })])[0]).not.toHaveProperty('removed');
  });
});

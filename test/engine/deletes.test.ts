import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideDeletes, deleteShare, formatPercent } from '../../src/engine/deletes.ts';
import { fingerprint, SqliteLedger } from '../../src/ledger/index.ts';
import { User } from '../../src/model/index.ts';

const HELD = 1000;
const policy = { maxCount: 1_000_000, maxPercent: 5 };

function staged(i: number) {
  const u = User.parse({ sourceId: `u${i}`, email: `u${i}@example.com` });
  return { sourceId: u.sourceId, json: JSON.stringify(u), fingerprint: fingerprint(u), position: `line ${i}` };
}

describe('the delete safety cap: a share of the users the target holds', () => {
  let dir: string;
  let ledger: SqliteLedger;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'deletes-'));
    ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
    const run = await ledger.beginRun('run');
    await ledger.stage(run, Array.from({ length: HELD }, (_, i) => staged(i)));
    const batch = await ledger.claim('w', HELD, 60_000);
    await ledger.settle(batch, batch.items.map((i) => ({ sourceId: i.sourceId, kind: 'ok' as const, action: 'created' as const })), { maxAttempts: 3, backoffMs: () => 0 });
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A full read of the source that no longer has the first `missing` users. */
  async function readWithout(missing: number): Promise<number> {
    const run = await ledger.beginRun('run');
    await ledger.stage(run, Array.from({ length: HELD - missing }, (_, i) => staged(i + missing)));
    return run;
  }

  it('refuses 5.1 % at a 5 % cap', async () => {
    const held = await ledger.heldByTarget();
    const decision = await decideDeletes(ledger, await readWithout(51), policy, held);
    expect(decision).toMatchObject({ kind: 'refused', count: 51 });
    expect(decision.kind === 'refused' && decision.reason).toContain('51 users (5.1 % of the 1000 users in the target)');
    expect((await ledger.stats()).byState.synced).toBe(HELD);
  });

  it('accepts 4.9 % at a 5 % cap', async () => {
    const held = await ledger.heldByTarget();
    const decision = await decideDeletes(ledger, await readWithout(49), policy, held);
    expect(decision).toMatchObject({ kind: 'queued', count: 49 });
    expect(decision.kind === 'queued' && formatPercent(decision.percent)).toBe('4.9 %');
  });

  it('accepts exactly the cap, and a count cap holds on its own', async () => {
    const held = await ledger.heldByTarget();
    expect(await decideDeletes(ledger, await readWithout(50), { maxCount: 49, maxPercent: 5 }, held)).toMatchObject({ kind: 'refused', count: 50 });
    expect(await decideDeletes(ledger, await readWithout(50), policy, held)).toMatchObject({ kind: 'queued', count: 50 });
  });

  it('prints 100 % for a wipe, and refuses it under any cap below 100 %', async () => {
    const held = await ledger.heldByTarget();
    const decision = await decideDeletes(ledger, await readWithout(HELD), { maxCount: 1_000_000, maxPercent: 99 }, held);
    expect(decision).toMatchObject({ kind: 'refused', count: HELD, percent: 100 });
    expect(decision.kind === 'refused' && decision.reason).toContain('(100 % of the 1000 users in the target)');
    // A cap at or above 50 % used to do nothing: half of the target is 50 %, not 33 %.
    expect(await decideDeletes(ledger, await readWithout(HELD / 2), { maxCount: 1_000_000, maxPercent: 49 }, held)).toMatchObject({ kind: 'refused', percent: 50 });
  });

  it('the share never reads below one for a wipe of a ledger that holds fewer than it misses', async () => {
    expect(deleteShare(10, 5)).toBe(100);
    expect(deleteShare(0, 5)).toBe(0);
  });
});

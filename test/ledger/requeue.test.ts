import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteLedger } from '../../src/ledger/index.ts';

const staged = (sourceId: string, fingerprint = `fp-${sourceId}`) => ({ sourceId, json: JSON.stringify({ sourceId, email: `${sourceId}@example.com` }), fingerprint, position: sourceId });
const policy = { maxAttempts: 1, backoffMs: () => 0 };

describe('Ledger.requeue (verify --requeue)', () => {
  it('queues known users with their current payload, creates unknown ones, leaves leased ones to their holder', () => {
    const ledger = new SqliteLedger(path.join(mkdtempSync(path.join(os.tmpdir(), 'requeue-')), 'l.sqlite'));
    const run = ledger.beginRun('run');
    ledger.stage(run, [staged('synced'), staged('dead'), staged('leased')]);
    const batch = ledger.claim('owner-1', 10, 60_000);
    ledger.settle(
      { owner: 'owner-1', items: batch.items.filter((i) => i.sourceId !== 'leased') },
      [
        { sourceId: 'synced', kind: 'ok', action: 'created' },
        { sourceId: 'dead', kind: 'rejected', reason: 'refused' },
      ],
      policy,
    );
    expect(ledger.stats().byState).toMatchObject({ synced: 1, dead: 1, leased: 1 });

    const n = ledger.requeue([staged('synced', 'fp-new'), staged('dead'), staged('leased'), staged('fresh')], new Set(['synced']));
    expect(n).toBe(3);
    expect(ledger.stats().byState).toMatchObject({ pending: 3, leased: 1, dead: 0, synced: 0 });
    const claimed = ledger.claim('owner-2', 10, 60_000).items;
    expect(claimed.map((i) => i.sourceId).sort()).toEqual(['dead', 'fresh', 'synced']);
    // The target no longer has "synced": its next send is a creation.
    expect(claimed.find((i) => i.sourceId === 'synced')).toMatchObject({ fingerprint: 'fp-new', knownToTarget: false, attempts: 0 });
    expect(ledger.peek(['dead']).get('dead')?.reason).toBeUndefined();
    ledger.close();
  });
});

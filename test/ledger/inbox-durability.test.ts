import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGroup, type InboxCall } from '../../src/ledger/inbox/group-commit.ts';
import { InboxStore } from '../../src/ledger/inbox/sqlite-store.ts';
import { fromRows, toStored, type ClaimedRow } from '../../src/ledger/inbox/wire.ts';
import { ev, ok, v } from '../stream/fixtures.ts';

const FULL = 2;
const NORMAL = 1;

describe('inbox commits and power cuts', () => {
  let store: InboxStore;
  beforeEach(() => {
    store = new InboxStore(path.join(mkdtempSync(path.join(tmpdir(), 'inbox-durability-')), 'ledger.sqlite'));
  });
  afterEach(() => store.close());

  const level = () => store.db.pragma('synchronous', { simple: true });
  const append = (subject: string, version: number): InboxCall => ({ method: 'append', args: [toStored([ok(ev(subject, version))]), undefined] });
  const claim: InboxCall = { method: 'claim', args: [{ owner: 'A', maxUsers: 10, leaseMs: 60_000, maxEventsPerUser: 10 }, undefined] };

  it('an append is fsynced before it is answered (its events are acknowledged upstream next), alone or in a group', () => {
    expect(runGroup(store, [append('u1', 1)])[0]).toMatchObject({ ok: true });
    expect(level()).toBe(FULL);
    runGroup(store, [claim]);
    expect(runGroup(store, [claim, append('u2', 1), { method: 'renewLeases', args: ['A', Date.now() + 60_000] }]).every((a) => a.ok)).toBe(true);
    expect(level()).toBe(FULL);
  });

  it('settles and leases, which a power cut may undo and the sync then redoes, commit without an fsync of their own', () => {
    runGroup(store, [append('u1', 1)]);
    const [claimed] = runGroup(store, [claim]);
    expect(level()).toBe(NORMAL);
    const users = fromRows((claimed as { ok: true; result: ClaimedRow[] }).result);
    const settle: InboxCall = {
      method: 'settle',
      args: ['A', users.map((u) => ({ subject: u.subject, kind: 'applied', applied: u.events.map((e) => e.seq), skipped: [], version: v(1), tombstone: false, email: undefined })), 3, undefined],
    };
    expect(runGroup(store, [settle])[0]).toMatchObject({ ok: true, result: { applied: 1 } });
    expect(level()).toBe(NORMAL);
    // The next append's fsync covers the settle too: the WAL is written in order.
    runGroup(store, [append('u1', 2)]);
    expect(level()).toBe(FULL);
    // An operator's retry of dead letters is not redone by anyone: fsynced.
    runGroup(store, [{ method: 'retryDead', args: [] }]);
    expect(level()).toBe(FULL);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedUser, EventInbox } from '../../src/ledger/inbox/inbox.ts';
import type { EncodedPlannedUser, Target } from '../../src/targets/index.ts';
import { ev, ok } from './fixtures.ts';
import { emulatorState, startApplyRig, testApplier, until, type ApplyRig } from './harness.ts';

/** The real inbox, noting which users it hands out through claims (as opposed to leasing them at append). */
function noteClaims(inbox: EventInbox, claimed: string[]): EventInbox {
  const note = (users: ClaimedUser[]) => {
    claimed.push(...users.map((u) => u.subject));
    return users;
  };
  return Object.assign(Object.create(inbox) as EventInbox, {
    claim: async (...a: Parameters<EventInbox['claim']>) => note(await inbox.claim(...a)),
    settleAndClaim: async (...a: Parameters<NonNullable<EventInbox['settleAndClaim']>>) => {
      const r = await inbox.settleAndClaim!(...a);
      note(r.claimed);
      return r;
    },
  });
}

/** The real target, noting the users of each upsert call in the order the calls are made. */
function noteCalls(target: Target, calls: string[][]): Target {
  return Object.assign(Object.create(target) as Target, {
    upsert: (users: EncodedPlannedUser[]) => {
      calls.push(users.map((u) => u.sourceId));
      return target.upsert(users);
    },
  });
}

describe('users leased as their events are appended', () => {
  let rig: ApplyRig;
  beforeEach(async () => {
    rig = await startApplyRig('append-handoff', 10_000);
  });
  afterEach(() => rig.close());

  const applier = (inbox: EventInbox, calls: string[][]) =>
    testApplier({ inbox, target: noteCalls(rig.target, calls), owner: 'handoff', batchSize: 2, handoffUsers: 100 });
  const waiting = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
  const fresh = Array.from({ length: 20 }, (_, i) => `r${i + 1}`);
  // Twenty users with nothing pending, two events each.
  const freshEvents = () => fresh.flatMap((s) => [ok(ev(s, 2)), ok(ev(s, 1, 'user.created'))]);

  it('are applied from memory, and users already waiting in the inbox take turns with them', async () => {
    const fromClaims: string[] = [];
    const calls: string[][] = [];
    const a = applier(noteClaims(rig.inbox, fromClaims), calls);
    // Six users wait in the inbox before the loop starts (no loop running: nothing is leased at append).
    await a.append(waiting.map((w) => ok(ev(w, 1, 'user.created'))));
    const stop = new AbortController();
    const running = a.run(stop.signal);
    try {
      // The fresh users arrive before the loop's first claim: all leased by this append.
      const r = await a.append(freshEvents());
      expect(r).toEqual({ accepted: 40, duplicates: 0, dead: 0 });
      await until(async () => ((await rig.inbox.stats()).backlog === 0 ? true : undefined));

      // Only the users that were waiting went through claims; the others came with their append.
      expect(new Set(fromClaims)).toEqual(new Set(waiting));
      // Each user's two events were applied as one call at the newer version.
      const state = emulatorState(rig.emu);
      for (const s of [...waiting, ...fresh]) expect(state.get(s)?.rev, s).toBe(s.startsWith('w') ? 1 : 2);
      // Taking turns: the waiting users were all sent before the in-memory queue ran dry.
      const order = calls.flat();
      const lastWaiting = Math.max(...waiting.map((w) => order.indexOf(w)));
      const lastFresh = Math.max(...fresh.map((s) => order.indexOf(s)));
      expect(lastWaiting).toBeLessThan(lastFresh - 2);
      expect(order).toHaveLength(26);
    } finally {
      stop.abort();
      await running;
    }
  });

  it('wait their turn behind a backlog: while claims come back full, appended users queue in the inbox', async () => {
    const fromClaims: string[] = [];
    const calls: string[][] = [];
    const a = applier(noteClaims(rig.inbox, fromClaims), calls);
    Object.assign(rig.emu.faults, { slowRate: 1, slowMs: 100 });
    await a.append(waiting.map((w) => ok(ev(w, 1, 'user.created'))));
    const stop = new AbortController();
    const running = a.run(stop.signal);
    try {
      // The first claim took a full batch (two of six): the loop is behind, nothing is handed off.
      await until(async () => (calls.length > 0 ? true : undefined));
      await a.append(freshEvents());
      await until(async () => ((await rig.inbox.stats()).backlog === 0 ? true : undefined));
      expect(new Set(fromClaims)).toEqual(new Set([...waiting, ...fresh]));
      const state = emulatorState(rig.emu);
      for (const s of fresh) expect(state.get(s)?.rev, s).toBe(2);
    } finally {
      stop.abort();
      await running;
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import type { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import type { Target } from '../../src/targets/index.ts';
import { ev, ok } from './fixtures.ts';
import { emulatorState, startApplyRig, testApplier, until, type ApplyRig } from './harness.ts';

const LEASE_MS = 300;
const SLOW_MS = 1500;

describe('a call slower than its lease', () => {
  let rig: ApplyRig;
  let emu: CidaasEmulatorHandle;
  let inbox: SqliteInbox;
  let target: Target;
  beforeEach(async () => {
    // The client waits for the slow answer: the call is in flight for five leases.
    rig = await startApplyRig('lease-renewal', 10_000);
    ({ emu, inbox, target } = rig);
  });
  afterEach(() => rig.close());

  const applier = (owner: string) => testApplier({ inbox, target, owner, leaseMs: LEASE_MS });

  it('is not taken over by another sync process: the user is sent once; its next version follows', async () => {
    await target.open?.();
    Object.assign(emu.faults, { slowRate: 1, slowMs: SLOW_MS });
    const a = applier('process-a');
    const b = applier('process-b');
    const stop = new AbortController();
    const running = [a.run(stop.signal), b.run(stop.signal)];
    try {
      await inbox.append([ok(ev('u1', 1, 'user.created'))]);
      a.wake();
      b.wake();
      await until(async () => ((await inbox.stats()).backlog === 0 ? true : undefined));
      // Without renewal the other process takes the expired lease and sends u1 again while the first call is out.
      const afterFirst = emu.stats();
      expect(afterFirst.usersCreated + afterFirst.usersUpdated).toBe(1);

      Object.assign(emu.faults, { slowRate: 0 });
      await inbox.append([ok(ev('u1', 2))]);
      a.wake();
      b.wake();
      await until(async () => ((await inbox.stats()).backlog === 0 ? true : undefined));
      expect(emulatorState(emu).get('u1')).toMatchObject({ rev: 2 });
    } finally {
      stop.abort();
      await Promise.all(running);
    }
  }, 30_000);
});

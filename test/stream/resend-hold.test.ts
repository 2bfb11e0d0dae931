import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import type { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import type { Target } from '../../src/targets/index.ts';
import { ev, ok } from './fixtures.ts';
import { emulatorState, startApplyRig, testApplier, until, type ApplyRig } from './harness.ts';

const HOLD_MS = 1500;

describe('a call that got no answer is not overtaken by a resend', () => {
  let rig: ApplyRig;
  let emu: CidaasEmulatorHandle;
  let inbox: SqliteInbox;
  let target: Target;
  beforeEach(async () => {
    rig = await startApplyRig('resend-hold', 300);
    ({ emu, inbox, target } = rig);
  });
  afterEach(() => rig.close());

  it('waits resendHoldMs after a timeout before sending the user again, then applies the newest version', async () => {
    // The token at full speed; then every call outlasts the client's timeout (the emulator still
    // applies it on arrival, as a slow real target might, later).
    await target.open?.();
    Object.assign(emu.faults, { slowRate: 1, slowMs: 5_000 });
    const applier = testApplier({ inbox, target, owner: 'test', resendHoldMs: HOLD_MS });
    const stop = new AbortController();
    const running = applier.run(stop.signal);
    try {
      await inbox.append([ok(ev('u1', 1, 'user.created'))]);
      applier.wake();
      const timedOutAt = await until(async () =>
        (await inbox.stats()).retrying === 1 ? Date.now() : undefined,
      );
      const due = (await inbox.stats()).nextDueAt;
      // Not the policy's 100 ms: the hold.
      expect(due).toBeGreaterThanOrEqual(timedOutAt + HOLD_MS - 400);

      Object.assign(emu.faults, { slowRate: 0 });
      await inbox.append([ok(ev('u1', 2))]);
      applier.wake();
      await until(async () => ((await inbox.stats()).backlog === 0 ? true : undefined));
      expect(Date.now()).toBeGreaterThanOrEqual(timedOutAt + HOLD_MS - 400);
      expect(emulatorState(emu).get('u1')).toMatchObject({ rev: 2 });
    } finally {
      stop.abort();
      await running;
    }
  }, 30_000);
});

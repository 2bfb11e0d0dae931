/**
 * The contract every target adapter keeps, as one suite run on each adapter against its emulator
 * (test/targets/contract.test.ts). What a target does beyond it (fields, hash families, bisection
 * costs, its own error wording) stays in that target's own test file.
 */
import { hashSync } from '@node-rs/bcrypt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { identify } from '../../src/hashes/index.ts';
import type { Outcome, User } from '../../src/model/index.ts';
import { isFatalTargetError, TargetAuthError, TargetUnreachableError, type Target } from '../../src/targets/index.ts';
import { minimalUser, planned, send } from './fixtures.ts';

export interface ContractEmulator {
  url: string;
  /** Forget every user. */
  reset(): void;
  close(): Promise<void>;
  login(identifier: string, password: string): Promise<{ ok: boolean }>;
  /** Everything the target stores, as comparable data. */
  stored(): unknown;
  /** How many users the target holds. */
  users(): number;
}

export interface ContractRig {
  start(): Promise<ContractEmulator>;
  /** The production adapter for this emulator, with `extra` config on top (credentials, baseUrl). */
  target(url: string, extra?: Record<string, unknown>): Target;
  /**
   * A user this target refuses while it takes the rest of the batch. `prepare` sets up what makes it
   * refused (e.g. another user owning its identifier); `code` is the outcome's rejection code.
   */
  poisoned: { prepare?(target: Target): Promise<void>; user(sourceId: string): User; code: string };
}

const PASSWORD = 'contract horse battery';

/** What a target stamps on each write (the cidaas emulator's write time): not the user's stored state. */
const VOLATILE = new Set(['updatedAt']);

function stable(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state, (k, v: unknown) => (VOLATILE.has(k) ? undefined : v))) as unknown;
}

function bySourceId(outcomes: Outcome[]): string[] {
  return outcomes.map((o) => o.sourceId).sort();
}

export function targetContract(name: string, rig: ContractRig): void {
  describe(`${name}: the target contract`, () => {
    let emu: ContractEmulator;
    let t: Target;
    const id = identify(hashSync(PASSWORD, 4));
    if (!id.ok) throw new Error(id.reason);
    const hash = id.hash;

    beforeAll(async () => {
      emu = await rig.start();
    });
    afterAll(async () => {
      await emu.close();
    });
    beforeEach(() => {
      emu.reset();
      t = rig.target(emu.url);
      return () => t.close();
    });

    function batch(prefix: string, n: number): User[] {
      return Array.from({ length: n }, (_, i) => minimalUser(`${prefix}-${i}`, { password: hash, createdAt: '2020-01-02T03:04:05Z', updatedAt: '2024-05-06T07:08:09Z' }));
    }

    it('gives one outcome per user sent, whatever became of each', async () => {
      // phpass: a hash neither target takes natively, refused before anything is sent (policy reject).
      const phpass = identify('$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0');
      if (!phpass.ok) throw new Error(phpass.reason);
      const unsendable = minimalUser('one-phpass', { password: phpass.hash });
      const users = [...batch('one', 5), minimalUser('one-nopw'), rig.poisoned.user('one-bad'), unsendable];
      await rig.poisoned.prepare?.(t);
      const out = await send(t, users.map((u) => planned(u)));
      expect(bySourceId(out)).toEqual(users.map((u) => u.sourceId).sort());
      expect(out.find((o) => o.sourceId === 'one-phpass')).toMatchObject({ kind: 'rejected', code: 'unsupported_hash' });
      expect(out.filter((o) => o.kind === 'ok')).toHaveLength(6);
      expect(await t.remove(['one-0', 'nobody'])).toEqual([
        { sourceId: 'one-0', kind: 'ok', action: 'deleted' },
        { sourceId: 'nobody', kind: 'ok', action: 'deleted' },
      ]);
    });

    it('isolates a poisoned user: the rest of its batch lands', async () => {
      await rig.poisoned.prepare?.(t);
      const before = emu.users();
      const users = batch('p', 12);
      users[5] = rig.poisoned.user('p-5');
      const out = await send(t, users.map((u) => planned(u)));
      expect(out.filter((o) => o.kind === 'rejected')).toEqual([expect.objectContaining({ sourceId: 'p-5', code: rig.poisoned.code })]);
      expect(out.filter((o) => o.kind === 'ok')).toHaveLength(11);
      expect(emu.users() - before).toBe(11);
      expect((await emu.login('p-0@example.com', PASSWORD)).ok).toBe(true);
    });

    it('takes a re-sent batch harmlessly: no duplicate, the same stored state, the password still verifies', async () => {
      const users = batch('r', 6);
      const first = await send(t, users.map((u) => planned(u)));
      expect(first.every((o) => o.kind === 'ok')).toBe(true);
      const stored = stable(emu.stored());
      // The same batch again, as after a lost answer: the ledger still thinks the target lacks them.
      const again = await send(t, users.map((u) => planned(u)));
      expect(again.every((o) => o.kind === 'ok')).toBe(true);
      expect(emu.users()).toBe(6);
      expect(stable(emu.stored())).toEqual(stored);
      for (const u of users) expect((await emu.login(u.email ?? '', PASSWORD)).ok, u.sourceId).toBe(true);
      expect((await emu.login('r-0@example.com', 'not the password')).ok).toBe(false);
    });

    it('throws refused credentials (not a per-user outcome), with no secret in the error', async () => {
      const bad = rig.target(emu.url, { clientSecret: 'not-the-contract-secret' });
      try {
        const err = await send(bad, [planned(minimalUser('auth-1'))]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TargetAuthError);
        expect(isFatalTargetError(err)).toBe(true);
        expect(String((err as Error).message)).not.toContain('not-the-contract-secret');
      } finally {
        await bad.close();
      }
      expect(emu.users()).toBe(0);
    });

    it('throws a wrong base path (not a per-user outcome)', async () => {
      const lost = rig.target(`${emu.url}/no-such-prefix`);
      try {
        const err = await send(lost, [planned(minimalUser('path-1'))]).catch((e: unknown) => e);
        expect(Array.isArray(err), 'outcomes instead of an error').toBe(false);
        expect(isFatalTargetError(err)).toBe(true);
      } finally {
        await lost.close();
      }
    });

    it('throws an unreachable target at start', async () => {
      const gone = await rig.start();
      const url = gone.url;
      await gone.close();
      const t2 = rig.target(url);
      try {
        await expect(send(t2, [planned(minimalUser('gone-1'))])).rejects.toBeInstanceOf(TargetUnreachableError);
      } finally {
        await t2.close();
      }
    });
  });
}

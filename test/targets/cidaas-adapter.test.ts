import { hashSync } from '@node-rs/bcrypt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import type { CidaasEmulatorHandle, CidaasEmulatorInput } from '../../src/emulators/cidaas/index.ts';
import { identify } from '../../src/hashes/index.ts';
import {
  TargetAuthError,
  TargetUnreachableError,
  createTarget,
  isFatalTargetError,
} from '../../src/targets/index.ts';
import type { Target } from '../../src/targets/index.ts';
import { fullUser, minimalUser, one, planned, send } from './fixtures.ts';
import { SAMPLE_PASSWORD, hashSamples } from './hash-samples.ts';

const PASSWORD = 'correct horse battery';

function target(url: string, extra: Record<string, unknown> = {}): Target {
  return createTarget(
    CidaasTarget.parse({
      kind: 'cidaas',
      baseUrl: url,
      clientId: 'ciam-migrate',
      clientSecret: 'ciam-migrate-secret',
      displayNameField: 'display_name',
      ...extra,
    }),
  );
}

async function state(url: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${url}/_emulator/state`);
  return ((await res.json()) as { users: Record<string, unknown>[] }).users;
}

async function login(
  url: string,
  identifier: string,
  password: string,
): Promise<{ ok: boolean; reason?: string }> {
  const res = await fetch(`${url}/_emulator/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  return (await res.json()) as { ok: boolean; reason?: string };
}

const CUSTOM_FIELDS: CidaasEmulatorInput['customFields'] = {
  customer_no: { type: 'string' },
  vip: { type: 'boolean' },
  display_name: { type: 'string' },
};

describe('cidaas adapter against the emulator', () => {
  let emu: CidaasEmulatorHandle;
  let t: Target;
  let bcrypt: string;

  beforeAll(async () => {
    emu = await startCidaasEmulator({ customFields: CUSTOM_FIELDS });
    bcrypt = hashSync(PASSWORD, 4);
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    emu.reset();
    t = target(emu.url);
    return () => t.close();
  });

  it('delivers every field of a full user and the user logs in with the original password', async () => {
    const id = identify(bcrypt);
    expect(id.ok).toBe(true);
    if (!id.ok) return;
    const user = fullUser('legacy-1', id.hash);
    const out = await send(t, [planned(user)]);
    expect(out).toEqual([{ sourceId: 'legacy-1', kind: 'ok', action: 'created' }]);

    const [stored] = await state(emu.url);
    expect(stored).toMatchObject({
      sub: 'legacy-1',
      userStatus: 'VERIFIED',
      customFields: { customer_no: 'A-123', vip: true, display_name: 'Max Muster' },
      roles: ['USER'],
      groups: [{ sub: 'legacy-1', groupId: 'CIDAAS_USERS' }],
      mfa_enabled: true,
      createdTime: '2015-03-01T10:00:00Z',
      lastLoggedInTime: '2024-11-02T08:12:00Z',
      password_hash_info: { algorithmTypeId: 'BCRYPT_4' },
    });
    const identities = stored?.identities as Record<string, unknown>[];
    expect(identities[0]).toMatchObject({
      provider: 'self',
      username: 'user_legacy-1',
      email: 'legacy-1@Example.com',
      email_verified: true,
      mobile_number: '+4917612345678',
      mobile_number_verified: true,
      given_name: 'Max',
      family_name: 'Muster',
      middle_name: 'M',
      nickname: 'maxi',
      gender: 'male',
      birthdate: '1990-05-01',
      locale: 'de-DE',
      zoneinfo: 'Europe/Berlin',
      picture: 'https://example.com/p.png',
      address: {
        formatted: 'Melodiestr. 1, 72399 X, DE',
        street_address: 'Melodiestr. 1',
        locality: 'X',
        region: 'BW',
        postal_code: '72399',
        country: 'DE',
      },
    });
    expect(identities[1]).toMatchObject({ provider: 'google', providerUserId: 'g-legacy-1' });

    expect(await login(emu.url, 'legacy-1@example.com', PASSWORD)).toMatchObject({ ok: true });
    expect(await login(emu.url, 'legacy-1@example.com', 'wrong')).toMatchObject({ ok: false });

    // A re-run updates the same user: no duplicate.
    expect(await send(t, [planned(user, true)])).toEqual([
      { sourceId: 'legacy-1', kind: 'ok', action: 'updated' },
    ]);
    expect(await state(emu.url)).toHaveLength(1);
  });

  it('sends users encoded ahead by another instance (as the staging thread does) exactly like its own encodings', async () => {
    const id = identify(bcrypt);
    if (!id.ok) throw new Error('bcrypt not identified');
    const t2 = target(emu.url, { hashAlgorithms: { sha256: 'SHA256' } });
    const staging = target(emu.url, { hashAlgorithms: { sha256: 'SHA256' } });
    try {
      const users = [fullUser('e-1'), minimalUser('e-2', { email: 'e-2@mailinator.com' }), minimalUser('e-3', { password: id.hash })];
      // Across threads the encodings travel by structured clone.
      const encoded = structuredClone(users.map((u) => staging.encode(u)));
      expect(encoded.map((e) => e.preview)).toEqual(users.map((u) => staging.preview(u)));
      const out = await t2.upsert(users.map((u, i) => ({ sourceId: u.sourceId, knownToTarget: false, payload: encoded[i]?.payload ?? {} })));
      const viaUpsert = await (async () => {
        emu.reset();
        return send(t2, users.map((u) => planned(u)));
      })();
      // What the emulator makes up itself (ids, timestamps) differs from one import to the next.
      const ours = (users: Record<string, unknown>[]) =>
        JSON.parse(JSON.stringify(users, (k, v: unknown) => (['createdAt', 'updatedAt', 'identityId'].includes(k) ? undefined : v))) as unknown;
      const stateViaUpsert = ours(await state(emu.url));
      expect(out).toEqual(viaUpsert);
      const kinds = Object.fromEntries(out.map((o) => [o.sourceId, o.kind === 'rejected' ? o.code : o.kind]));
      expect(kinds).toEqual({ 'e-1': 'ok', 'e-2': 'invalid_email', 'e-3': 'unsupported_hash' });
      emu.reset();
      await t2.upsert(users.map((u, i) => ({ sourceId: u.sourceId, knownToTarget: false, payload: encoded[i]?.payload ?? {} })));
      expect(ours(await state(emu.url))).toEqual(stateViaUpsert);
    } finally {
      await t2.close();
      await staging.close();
    }
  });

  it('forces a reset for a user without a password', async () => {
    await send(t, [planned(minimalUser('np-1'))]);
    expect(await login(emu.url, 'np-1@example.com', 'anything')).toMatchObject({
      ok: false,
      reason: 'must reset',
    });
  });

  it('bisects when the tenant refuses the whole request for one user (417 mode)', async () => {
    const strict = await startCidaasEmulator({
      invalidEmailMode: 'request',
      envelope: 'top-level',
      stateField: 'status',
    });
    const st = target(strict.url);
    try {
      const users = Array.from({ length: 16 }, (_, i) => minimalUser(`r-${i}`));
      users[3] = minimalUser('r-3', { email: 'r-3@yopmail.com' });
      const out = await send(st, users.map((u) => planned(u)));
      expect(out.filter((o) => o.kind === 'rejected')).toEqual([
        { sourceId: 'r-3', kind: 'rejected', reason: 'invalid email passed', code: 'invalid_email' },
      ]);
      expect(out.filter((o) => o.kind === 'ok')).toHaveLength(15);
      expect(st.stats?.().bisectionCalls).toBeGreaterThan(0);
    } finally {
      await st.close();
      await strict.close();
    }
  });

  it('rejects a hash the tenant has no algorithm for, before sending', async () => {
    const id = identify(bcrypt);
    if (!id.ok) throw new Error('bcrypt not identified');
    const t2 = target(emu.url, { hashAlgorithms: { sha256: 'SHA256' } });
    try {
      const out = await send(t2, [
        planned(minimalUser('h-1', { password: id.hash })),
        planned(minimalUser('h-2')),
      ]);
      expect(out.find((o) => o.sourceId === 'h-1')).toMatchObject({
        kind: 'rejected',
        code: 'unsupported_hash',
      });
      expect(out.find((o) => o.sourceId === 'h-2')).toMatchObject({ kind: 'ok' });
    } finally {
      await t2.close();
    }
  });

  it('deletes by purge and by schedule; a missing user counts as deleted', async () => {
    await send(t, [planned(minimalUser('d-1')), planned(minimalUser('d-2'))]);
    expect(await t.remove(['d-1', 'nobody'])).toEqual([
      { sourceId: 'd-1', kind: 'ok', action: 'deleted' },
      { sourceId: 'nobody', kind: 'ok', action: 'deleted' },
    ]);
    expect((await state(emu.url)).map((u) => u.sub)).toEqual(['d-2']);
    const sched = target(emu.url, { deletes: 'schedule' });
    try {
      expect(await sched.remove(['d-2'])).toEqual([{ sourceId: 'd-2', kind: 'ok', action: 'deleted' }]);
      expect((await state(emu.url))[0]).toHaveProperty('deletionScheduledAt');
    } finally {
      await sched.close();
    }
  });

  it('a re-sent user changes status and profile through the upsert', async () => {
    await one(t, planned(minimalUser('s-1')));
    expect(await one(t, planned(minimalUser('s-1', { status: 'disabled' }), true))).toEqual({ sourceId: 's-1', kind: 'ok', action: 'updated' });
    expect((await state(emu.url))[0]).toMatchObject({ userStatus: 'DECLINED' });
    expect(await one(t, planned(minimalUser('s-1', { name: { given: 'Eva' } }), true))).toMatchObject({
      kind: 'ok',
      action: 'updated',
    });
    expect((await state(emu.url))[0]).toMatchObject({ userStatus: 'VERIFIED' });
  });
});

describe('cidaas adapter: auth and transient failures', () => {
  it('refreshes the token once on a 401', async () => {
    let now = Date.now();
    const emu = await startCidaasEmulator({ clock: () => now, tokenTtlSeconds: 3600 });
    const t = target(emu.url);
    try {
      await send(t, [planned(minimalUser('a-1'))]);
      now += 3601_000; // the emulator's tokens expired; the adapter's clock has not moved
      expect(await send(t, [planned(minimalUser('a-2'))])).toEqual([
        { sourceId: 'a-2', kind: 'ok', action: 'created' },
      ]);
      expect(t.stats?.()).toMatchObject({ tokenFetches: 2, tokenRefreshesAfter401: 1 });
    } finally {
      await t.close();
      await emu.close();
    }
  });

  it('turns a 403 into a fatal error naming the scope and migration mode', async () => {
    const emu = await startCidaasEmulator({
      clients: [{ clientId: 'weak', clientSecret: 'weak-secret', scopes: ['cidaas:users_read'] }],
    });
    const t = target(emu.url, { clientId: 'weak', clientSecret: 'weak-secret' });
    try {
      const err = await send(t, [planned(minimalUser('f-1'))]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetAuthError);
      expect(isFatalTargetError(err)).toBe(true);
      expect(String((err as Error).message)).toMatch(/cidaas:bulk_user_create/);
      expect(String((err as Error).message)).toMatch(/migration mode/i);
      expect(String((err as Error).message)).not.toContain('weak-secret');
    } finally {
      await t.close();
      await emu.close();
    }
  });

  it('5xx and 429 make the whole batch retryable', async () => {
    const emu = await startCidaasEmulator({ faults: { faultRate: 1, faultStatuses: [503] } });
    const t = target(emu.url);
    try {
      const out = await send(t, [planned(minimalUser('x-1')), planned(minimalUser('x-2'))]);
      expect(out.map((o) => o.kind)).toEqual(['retryable', 'retryable']);
      expect(out[0]).toMatchObject({ reason: expect.stringMatching(/503/) });
      // An answer came: the target did not take the call, so it cannot land later.
      expect(out[0]).not.toHaveProperty('mayHaveLanded');
    } finally {
      await t.close();
      await emu.close();
    }
    const limited = await startCidaasEmulator({ faults: { maxConcurrency: 1, latencyMs: 200 } });
    const t2 = target(limited.url);
    try {
      await t2.open?.();
      const outs = await Promise.all([0, 1, 2].map((i) => send(t2, [planned(minimalUser(`y-${i}`))])));
      const kinds = outs.flat().map((o) => o.kind);
      expect(kinds).toContain('retryable');
      expect(outs.flat().find((o) => o.kind === 'retryable')).toMatchObject({
        reason: expect.stringMatching(/429/),
      });
    } finally {
      await t2.close();
      await limited.close();
    }
  });

  it('a timeout makes the batch retryable, flagged as possibly applied', async () => {
    const slow = await startCidaasEmulator();
    const ts = target(slow.url, { timeoutMs: 300 });
    try {
      // Token first, at full speed: the call itself is what times out.
      await ts.open?.();
      Object.assign(slow.faults, { slowRate: 1, slowMs: 3000 });
      const out = await send(ts, [planned(minimalUser('t-1'))]);
      expect(out[0]).toMatchObject({ kind: 'retryable', reason: 'transport: timeout', mayHaveLanded: true });
      // And it did land: the emulator applies a slow call before it answers.
      expect(slow.users()).toHaveLength(1);
    } finally {
      await ts.close();
      await slow.close();
    }
  });

  it('dropped connections are retryable (connection refused at start: the contract suite)', async () => {
    const emu = await startCidaasEmulator({ faults: { dropRate: 1 } });
    const t = target(emu.url);
    try {
      // The token endpoint is dropped too, so the first call can only fail as unreachable or retryable.
      const out = await send(t, [planned(minimalUser('z-1'))]).catch((e: unknown) => e);
      if (Array.isArray(out)) expect(out[0]).toMatchObject({ kind: 'retryable' });
      else expect(out).toBeInstanceOf(TargetUnreachableError);
    } finally {
      await t.close();
      await emu.close();
    }
  });
});

describe('cidaas adapter: every hash family the tenant takes logs in', () => {
  const ALGORITHM_IDS = {
    bcrypt: 'BCRYPT_{cost}',
    argon2id: 'ARGON2ID',
    'pbkdf2-sha256': 'PBKDF2_SHA256',
    sha1: 'SHA1',
    sha256: 'SHA256',
    sha512: 'SHA512',
    md5: 'MD5',
  };
  for (const sample of hashSamples()) {
    it(sample.family, async (ctx) => {
      if (!sample.parsed.ok)
        return ctx.skip(`src/hashes cannot parse ${sample.family} yet: ${sample.parsed.reason}`);
      const emu = await startCidaasEmulator();
      const t = target(emu.url, { hashAlgorithms: ALGORITHM_IDS });
      try {
        const user = minimalUser(`pw-${sample.family}`, { password: sample.parsed.hash });
        const [out] = await send(t, [planned(user)]);
        if (out?.kind === 'rejected' && out.code === 'unsupported_hash')
          return ctx.skip(`not encodable for cidaas: ${out.reason}`);
        expect(out).toMatchObject({ kind: 'ok' });
        expect(await login(emu.url, user.email ?? '', SAMPLE_PASSWORD)).toMatchObject({ ok: true });
        expect(await login(emu.url, user.email ?? '', 'not it')).toMatchObject({
          ok: false,
          reason: 'wrong password',
        });
      } finally {
        await t.close();
        await emu.close();
      }
    });
  }
});

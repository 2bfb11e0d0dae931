import { hashSync } from '@node-rs/bcrypt';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudentityTarget } from '../../src/targets/cloudentity/config.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import type {
  CloudentityEmulatorHandle,
  CloudentityEmulatorInput,
} from '../../src/emulators/cloudentity/index.ts';
import { identify } from '../../src/hashes/index.ts';
import {
  CloudentityAdapter,
  TargetAuthError,
  cloudentityUserId,
} from '../../src/targets/index.ts';
import type { TenantDump } from '../../src/targets/cloudentity/types.ts';
import { fullUser, minimalUser, one, planned, send } from './fixtures.ts';
import { SAMPLE_PASSWORD, hashSamples } from './hash-samples.ts';
import { cloudentityValidator } from './openapi-schema.ts';

const NS = '6f1c0b1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const EMULATOR: CloudentityEmulatorInput = { hashSemantics: { saltEncoding: 'base64' } };

let validate: ValidateFunction;
const bodies: TenantDump[] = [];

function target(url: string, extra: Record<string, unknown> = {}): CloudentityAdapter {
  const config = CloudentityTarget.parse({
    kind: 'cloudentity',
    baseUrl: url,
    clientId: 'ciam-migrate',
    clientSecret: 'ciam-migrate-secret',
    tenantId: 'default',
    poolId: 'default-pool',
    namespace: NS,
    ...extra,
  });
  return new CloudentityAdapter(config, { onImportBody: (b) => bodies.push(structuredClone(b)) });
}

interface Dump {
  users: Record<string, unknown>[];
  user_credentials: Record<string, unknown>[];
  user_identifiers: Record<string, unknown>[];
  user_verifiable_addresses: Record<string, unknown>[];
}

async function state(url: string): Promise<Dump> {
  return (await (await fetch(`${url}/_emulator/state`)).json()) as Dump;
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

beforeAll(() => {
  validate = cloudentityValidator('TenantDump');
});

afterAll(() => {
  // Every import body the adapter produced in this file, against the vendor's schema.
  expect(bodies.length).toBeGreaterThan(0);
  for (const b of bodies) expect(validate(b), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
});

describe('Cloudentity adapter against the emulator', () => {
  let emu: CloudentityEmulatorHandle;
  let t: CloudentityAdapter;
  beforeAll(async () => {
    emu = await startCloudentityEmulator(EMULATOR);
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.reset();
    t = target(emu.url);
    return () => t.close();
  });

  it('delivers every field of a full user; the user logs in; a re-run updates in place', async () => {
    const id = identify(hashSync(SAMPLE_PASSWORD, 4));
    if (!id.ok) throw new Error(id.reason);
    const user = fullUser('legacy-1', id.hash);
    expect(await send(t, [planned(user)])).toEqual([
      { sourceId: 'legacy-1', kind: 'ok', action: 'created' },
    ]);
    const userId = cloudentityUserId('legacy-1', NS);
    const s = await state(emu.url);
    expect(s.users).toHaveLength(1);
    expect(s.users[0]).toMatchObject({
      id: userId,
      tenant_id: 'default',
      user_pool_id: 'default-pool',
      status: 'active',
      created_at: '2015-03-01T10:00:00Z',
      updated_at: '2024-11-02T08:12:00Z',
      payload: {
        email: 'legacy-1@Example.com',
        email_verified: true,
        phone_number: '+4917612345678',
        phone_number_verified: true,
        preferred_username: 'user_legacy-1',
        given_name: 'Max',
        family_name: 'Muster',
        middle_name: 'M',
        nickname: 'maxi',
        name: 'Max Muster',
        locale: 'de-DE',
        zoneinfo: 'Europe/Berlin',
        birthdate: '1990-05-01',
        gender: 'male',
        picture: 'https://example.com/p.png',
        address: {
          formatted: 'Melodiestr. 1, 72399 X, DE',
          street_address: 'Melodiestr. 1',
          locality: 'X',
          region: 'BW',
          postal_code: '72399',
          country: 'DE',
        },
        customer_no: 'A-123',
        vip: true,
      },
      metadata: {
        legacy_id: 'legacy-1',
        groups: ['CIDAAS_USERS'],
        roles: ['USER'],
        last_login_at: '2024-11-02T08:12:00Z',
        mfa: [{ type: 'totp' }],
      },
    });
    expect(s.user_identifiers.map((i) => [i.type, i.identifier_lc, i.user_id])).toEqual(
      expect.arrayContaining([
        ['email', 'legacy-1@example.com', userId],
        ['mobile', '+4917612345678', userId],
        ['uid', 'user_legacy-1', userId],
        ['federated', 'google:g-legacy-1', userId],
      ]),
    );
    expect(s.user_verifiable_addresses.map((a) => [a.type, a.address_lc, a.verified])).toEqual(
      expect.arrayContaining([
        ['email', 'legacy-1@example.com', true],
        ['mobile', '+4917612345678', true],
      ]),
    );
    expect(s.user_credentials).toEqual([expect.objectContaining({ type: 'password', user_id: userId })]);
    expect(await login(emu.url, 'legacy-1@example.com', SAMPLE_PASSWORD)).toMatchObject({ ok: true });
    expect(await login(emu.url, 'legacy-1@example.com', 'nope')).toMatchObject({
      ok: false,
      reason: 'wrong password',
    });

    expect(await send(t, [planned(user, true)])).toEqual([
      { sourceId: 'legacy-1', kind: 'ok', action: 'updated' },
    ]);
    const again = await state(emu.url);
    expect([
      again.users.length,
      again.user_credentials.length,
      again.user_identifiers.length,
      again.user_verifiable_addresses.length,
    ]).toEqual([1, 1, 4, 2]);
  });

  it('a user without a password must reset at login', async () => {
    await send(t, [planned(minimalUser('np-1'))]);
    expect(await login(emu.url, 'np-1@example.com', 'x')).toMatchObject({ ok: false, reason: 'must reset' });
  });

  it('one poisoned user among 20: the others arrive, only that one is rejected, verbatim', async () => {
    await send(t, [planned(minimalUser('owner', { email: 'taken@example.com' }))]);
    const users = Array.from({ length: 20 }, (_, i) => minimalUser(`p-${i}`));
    users[7] = minimalUser('p-7', { email: 'taken@example.com' });
    const before = t.stats().bisectionCalls;
    const out = await send(t, users.map((u) => planned(u)));
    expect(out).toHaveLength(20);
    const rejected = out.filter((o) => o.kind === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      sourceId: 'p-7',
      code: 'duplicate_identifier',
      reason: expect.stringContaining('taken@example.com'),
    });
    expect(out.filter((o) => o.kind === 'ok')).toHaveLength(19);
    expect((await state(emu.url)).users).toHaveLength(20);
    const extra = t.stats().bisectionCalls - before;
    expect(extra).toBeGreaterThan(0);
    expect(extra).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(20)));
  });

  it("the sync's calls: profile, status and password through the import, email change, delete", async () => {
    const id = identify(hashSync(SAMPLE_PASSWORD, 4));
    if (!id.ok) throw new Error(id.reason);
    const user = minimalUser('ev-1', { password: id.hash, name: { given: 'Eva' } });
    expect(await one(t, planned(user))).toMatchObject({ kind: 'ok', action: 'created' });

    expect(await one(t, planned({ ...user, name: { given: 'Eve', family: 'Adams' } }, true))).toEqual({
      sourceId: 'ev-1',
      kind: 'ok',
      action: 'updated',
    });
    expect((await t.fetchUser('ev-1'))?.payload).toMatchObject({ given_name: 'Eve', family_name: 'Adams' });

    expect(await one(t, planned({ ...user, status: 'disabled' }, true))).toMatchObject({ kind: 'ok' });
    expect((await t.fetchUser('ev-1'))?.status).toBe('inactive');
    await one(t, planned(user, true));

    const moved = { ...user, email: 'ev-1-new@example.com', emailVerified: true };
    expect(await t.changeEmail(moved, 'ev-1@example.com')).toMatchObject({ kind: 'ok' });
    expect(await login(emu.url, 'ev-1-new@example.com', SAMPLE_PASSWORD)).toMatchObject({ ok: true });
    expect(await login(emu.url, 'ev-1@example.com', SAMPLE_PASSWORD)).toMatchObject({
      ok: false,
      reason: 'unknown user',
    });

    const newHash = identify(hashSync('new password', 4));
    if (!newHash.ok) throw new Error(newHash.reason);
    expect(await one(t, planned({ ...moved, password: newHash.hash }, true))).toMatchObject({ kind: 'ok' });
    expect(await login(emu.url, 'ev-1-new@example.com', 'new password')).toMatchObject({ ok: true });

    expect(await t.remove(['ev-1'])).toEqual([{ sourceId: 'ev-1', kind: 'ok', action: 'deleted' }]);
    expect(await t.remove(['ev-1'])).toEqual([{ sourceId: 'ev-1', kind: 'ok', action: 'deleted' }]);
    expect((await state(emu.url)).users).toHaveLength(0);
  });

  it('totp: credential imports a SHA1/6/30 secret as a totp credential', async () => {
    const tt = target(emu.url, { totp: 'credential' });
    try {
      expect(tt.capabilities.totpImport).toBe(true);
      expect(await send(tt, [planned(fullUser('totp-1'))])).toMatchObject([{ kind: 'ok' }]);
      const creds = (await state(emu.url)).user_credentials;
      expect(creds.map((c) => c.type).sort()).toEqual(['password', 'totp']);
    } finally {
      await tt.close();
    }
  });

  it('an email change for a user the pool does not have imports the full entry', async () => {
    expect(await t.changeEmail(minimalUser('late-1'), 'late-1-old@example.com')).toMatchObject({ kind: 'ok', action: 'created' });
    expect((await state(emu.url)).users).toHaveLength(1);
  });

  for (const sample of hashSamples()) {
    it(`hash family ${sample.family} logs in with the original password`, async (ctx) => {
      if (!sample.parsed.ok)
        return ctx.skip(`src/hashes cannot parse ${sample.family}: ${sample.parsed.reason}`);
      const user = minimalUser(`pw-${sample.family}`, { password: sample.parsed.hash });
      const [out] = await send(t, [planned(user)]);
      if (out?.kind === 'rejected' && out.code === 'unsupported_hash')
        return ctx.skip(`not encodable for Cloudentity: ${out.reason}`);
      expect(out).toMatchObject({ kind: 'ok' });
      expect(await login(emu.url, user.email ?? '', SAMPLE_PASSWORD)).toMatchObject({ ok: true });
    });
  }
});

describe('Cloudentity adapter: auth and transient failures', () => {
  it('refreshes the token once on a 401', async () => {
    let now = Date.now();
    const emu = await startCloudentityEmulator({ ...EMULATOR, clock: () => now });
    const t = target(emu.url);
    try {
      await send(t, [planned(minimalUser('a-1'))]);
      now += 3601_000;
      expect(await send(t, [planned(minimalUser('a-2'))])).toEqual([
        { sourceId: 'a-2', kind: 'ok', action: 'created' },
      ]);
      expect(t.stats()).toMatchObject({ tokenFetches: 2, tokenRefreshesAfter401: 1 });
    } finally {
      await t.close();
      await emu.close();
    }
  });

  it('a 403 names manage_configuration; the per-user paths name identity', async () => {
    const emu = await startCloudentityEmulator({
      ...EMULATOR,
      clients: [{ clientId: 'weak', clientSecret: 'weak-secret', scopes: ['read_configuration'] }],
    });
    const t = target(emu.url, { clientId: 'weak', clientSecret: 'weak-secret' });
    try {
      const err = await send(t, [planned(minimalUser('f-1'))]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetAuthError);
      expect((err as Error).message).toMatch(/manage_configuration/);
      expect((err as Error).message).not.toContain('weak-secret');
      const err2 = await t.changeEmail(minimalUser('f-1'), 'f-1-old@example.com').catch((e: unknown) => e);
      expect(err2).toBeInstanceOf(TargetAuthError);
      expect((err2 as Error).message).toMatch(/scope identity/);
    } finally {
      await t.close();
      await emu.close();
    }
  });

  it('429 with Retry-After and 5xx make the batch retryable', async () => {
    const limited = await startCloudentityEmulator({ ...EMULATOR, faults: { rateLimit: 1, burst: 1 } });
    const t = target(limited.url);
    try {
      const first = await send(t, [planned(minimalUser('r-1'))]);
      const second = await send(t, [planned(minimalUser('r-2')), planned(minimalUser('r-3'))]);
      const all = [...first, ...second];
      const retry = all.find((o) => o.kind === 'retryable');
      expect(retry).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/429/) });
      expect(retry && 'retryAfterMs' in retry ? retry.retryAfterMs : undefined).toBeGreaterThan(0);
    } finally {
      await t.close();
      await limited.close();
    }
    const failing = await startCloudentityEmulator({
      ...EMULATOR,
      faults: { faultRate: 1, faultStatuses: [502] },
    });
    const t2 = target(failing.url);
    try {
      const out = await send(t2, [planned(minimalUser('s-1'))]).catch((e: unknown) => e);
      // The token endpoint may be faulted as well: either way nothing is rejected.
      if (Array.isArray(out)) expect(out[0]).toMatchObject({ kind: 'retryable' });
      else throw out;
    } finally {
      await t2.close();
      await failing.close();
    }
  });


  it('serves the docs path prefix as well', async () => {
    const emu = await startCloudentityEmulator(EMULATOR);
    const t = target(emu.url, { pathPrefix: '/api/identity/system/{tid}' });
    try {
      expect(await send(t, [planned(minimalUser('pp-1'))])).toMatchObject([{ kind: 'ok' }]);
    } finally {
      await t.close();
      await emu.close();
    }
  });
});

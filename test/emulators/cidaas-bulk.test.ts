import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle, type CidaasEmulatorInput } from '../../src/emulators/cidaas/index.ts';
import { call, cidaasToken, expectCidaasError } from './http.ts';

const started: CidaasEmulatorHandle[] = [];
async function emulator(options: CidaasEmulatorInput = {}): Promise<{ emu: CidaasEmulatorHandle; bulk: (body: unknown, clientId?: string) => ReturnType<typeof call> }> {
  const emu = await startCidaasEmulator(options);
  started.push(emu);
  const tokens = new Map<string, string>();
  const bulk = async (body: unknown, clientId = 'ciam-migrate') => {
    let t = tokens.get(clientId);
    if (t === undefined) {
      t = await cidaasToken(emu.url, clientId, `${clientId}-secret`);
      tokens.set(clientId, t);
    }
    return call(`${emu.url}/users-srv/user/bulk`, { token: t, json: body });
  };
  return { emu, bulk };
}
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

const user = (i: number, extra: Record<string, unknown> = {}) => ({ sub: `legacy-${i}`, email: `user${i}@example.com`, provider: 'self', ...extra });
const states = (r: { body: any }) => r.body.data.process_states as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('cidaas POST /users-srv/user/bulk: request-level rules', () => {
  let env: Awaited<ReturnType<typeof emulator>>;
  beforeAll(async () => {
    env = await emulator();
  });
  afterEach(() => env.emu.reset());

  it('400 for a body that is not JSON, not an array, or empty', async () => {
    const t = await cidaasToken(env.emu.url);
    expectCidaasError(await call(`${env.emu.url}/users-srv/user/bulk`, { token: t, body: '{nope', headers: { 'content-type': 'application/json' } }), 400);
    expectCidaasError(await env.bulk({ sub: 'x', email: 'a@example.com' }), 400);
    expectCidaasError(await env.bulk([]), 400);
  });

  it('accepts exactly 1000 users and answers 413 for 1001', async () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => user(i));
    const ok = await env.bulk(thousand);
    expect(ok.status).toBe(200);
    expect(states(ok)).toHaveLength(1000);
    const r = await env.bulk([...thousand, user(1000)]);
    expectCidaasError(r, 413);
    expect(env.emu.users()).toHaveLength(1000);
  });

  it('400 for a user without identifier, and nothing of the batch is written', async () => {
    const r = await env.bulk([user(1), { sub: 'no-id', given_name: 'Nobody' }]);
    expect(expectCidaasError(r, 400)).toContain('identifier');
    expect(env.emu.users()).toHaveLength(0);
  });

  it('answers the standard envelope with one state per user in request order', async () => {
    const r = await env.bulk([user(1), user(2)]);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      status: 200,
      data: {
        process_states: [
          { sub: 'legacy-1', identifier: { email: 'user1@example.com' }, state: 'CREATED' },
          { sub: 'legacy-2', identifier: { email: 'user2@example.com' }, state: 'CREATED' },
        ],
      },
    });
  });
});

describe('cidaas bulk: switchable modes', () => {
  it('strict-50 rejects 51 users with 413 and accepts 50', async () => {
    const { bulk } = await emulator({ strict50: true });
    expect((await bulk(Array.from({ length: 50 }, (_, i) => user(i)))).status).toBe(200);
    expectCidaasError(await bulk(Array.from({ length: 51 }, (_, i) => user(100 + i))), 413);
  });

  it('top-level envelope and a renamed state field', async () => {
    const { bulk } = await emulator({ envelope: 'top-level', stateField: 'status' });
    const r = await bulk([user(1)]);
    expect(r.body).toEqual({ process_states: [{ sub: 'legacy-1', identifier: { email: 'user1@example.com' }, status: 'CREATED' }] });
  });

  it('invalid email as whole-request 417 with code 507', async () => {
    const { emu, bulk } = await emulator({ invalidEmailMode: 'request' });
    const r = await bulk([user(1), user(2, { email: 'x@mailinator.com' })]);
    expect(expectCidaasError(r, 417)).toBe('invalid email passed');
    expect(r.body.error.code).toBe(507);
    expect(emu.users()).toHaveLength(0);
  });

  it('missing identifier as a per-user FAILED when switched', async () => {
    const { bulk } = await emulator({ missingIdentifierMode: 'per-user' });
    const r = await bulk([user(1), { sub: 'no-id' }]);
    expect(r.status).toBe(200);
    expect(states(r)[1]).toMatchObject({ sub: 'ANONYMOUS', state: 'FAILED', message: 'user identifier is required' });
  });
});

describe('cidaas bulk: per-user validation and upsert', () => {
  let env: Awaited<ReturnType<typeof emulator>>;
  beforeAll(async () => {
    env = await emulator({
      customFields: { customer_no: { type: 'string' }, loyalty: { type: 'number' }, legacy_flag: { type: 'boolean', enabled: false } },
      clients: [
        { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['cidaas:bulk_user_create'], migrationMode: true },
        { clientId: 'plain', clientSecret: 'plain-secret', scopes: ['cidaas:bulk_user_create'], migrationMode: false },
      ],
    });
  });
  afterEach(() => env.emu.reset());

  it('disposable domains and bad syntax fail per user with "invalid email passed"', async () => {
    const r = await env.bulk([user(1), user(2, { email: 'x@mailinator.com' }), user(3, { email: 'x@sub.yopmail.com' }), user(4, { email: 'not-an-email' })]);
    expect(r.status).toBe(200);
    const s = states(r);
    expect(s[0].state).toBe('CREATED');
    for (const failed of s.slice(1)) expect(failed).toMatchObject({ sub: 'ANONYMOUS', state: 'FAILED', message: 'invalid email passed' });
    expect(env.emu.users().map((u) => u.sub)).toEqual(['legacy-1']);
  });

  it('custom fields must exist and match their type; disabled fields are skipped', async () => {
    const r = await env.bulk([
      user(1, { customFields: { customer_no: 'A-1', loyalty: 3, legacy_flag: true } }),
      user(2, { customFields: { unknown_field: 'x' } }),
      user(3, { customFields: { loyalty: 'three' } }),
    ]);
    const s = states(r);
    expect(s.map((x) => x.state)).toEqual(['CREATED', 'FAILED', 'FAILED']);
    expect(s[1].message).toContain('unknown_field');
    expect(env.emu.users()[0]?.customFields).toEqual({ customer_no: 'A-1', loyalty: 3 });
  });

  it('a phone number that is not E.164, an unknown algorithmTypeId or an invalid userStatus fail the user', async () => {
    const r = await env.bulk([
      user(1, { mobile_number: '0176 123' }),
      user(2, { password_hash_info: { algorithmTypeId: 'ROT13', passwordHash: 'x' } }),
      user(3, { userStatus: 'HAPPY' }),
      user(4, { password_hash_info: { algorithmTypeId: 'BCRYPT_21', passwordHash: '$2b$21$x' } }),
    ]);
    expect(states(r).map((x) => x.state)).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED']);
  });

  it('upserts by sub: a second send is UPDATED and an email change moves the index', async () => {
    await env.bulk([user(1)]);
    const r = await env.bulk([user(1, { email: 'new@example.com', given_name: 'Eva' })]);
    expect(states(r)[0]).toMatchObject({ sub: 'legacy-1', state: 'UPDATED' });
    expect(env.emu.users()).toHaveLength(1);
    // The old address is free again; a new user may take it.
    const again = await env.bulk([user(2, { email: 'user1@example.com' })]);
    expect(states(again)[0].state).toBe('CREATED');
    expect(env.emu.stats()).toMatchObject({ usersCreated: 2, usersUpdated: 1 });
  });

  it('without sub, matches identifier + provider and fills in the found sub', async () => {
    await env.bulk([user(1)]);
    const r = await env.bulk([{ email: 'USER1@example.com', provider: 'self', given_name: 'X' }]);
    expect(states(r)[0]).toMatchObject({ sub: 'legacy-1', state: 'UPDATED' });
    const other = await env.bulk([{ email: 'user1@example.com', provider: 'google' }]);
    expect(states(other)[0].state).toBe('CREATED');
    expect(states(other)[0].sub).not.toBe('legacy-1');
  });

  it('a different sub with a taken identifier fails instead of creating a duplicate', async () => {
    await env.bulk([user(1)]);
    const r = await env.bulk([{ sub: 'other', email: 'user1@example.com', provider: 'self' }]);
    expect(states(r)[0]).toMatchObject({ sub: 'ANONYMOUS', state: 'FAILED' });
    expect(env.emu.users()).toHaveLength(1);
  });

  it('accepts the identities[] form', async () => {
    const r = await env.bulk([
      {
        sub: 'multi',
        userStatus: 'VERIFIED',
        identities: [
          { sub: 'multi', email: 'm@example.com', provider: 'self' },
          { sub: 'multi', email: 'm@example.com', provider: 'facebook', providerUserId: 'fb-1' },
        ],
        password_hash_info: { algorithmTypeId: 'BCRYPT_10', passwordHash: '$2b$10$EfrjjYYGih4j4AbnpIWT2OEjvvRoYNBDJ0Wv2E.MwE/oZ87hasAHi' },
      },
    ]);
    expect(states(r)[0].state).toBe('CREATED');
    expect(env.emu.users()[0]?.identities.map((i) => i.provider)).toEqual(['self', 'facebook']);
    expect(env.emu.users()[0]?.password?.kind).toBe('hash');
  });

  it('a second password overwrite needs migrationMode', async () => {
    const hash = (h: string) => ({ password_hash_info: { algorithmTypeId: 'SHA256', passwordHash: h } });
    await env.bulk([user(1, hash('aa'))], 'plain');
    const denied = await env.bulk([user(1, hash('bb'))], 'plain');
    expect(states(denied)[0]).toMatchObject({ state: 'FAILED', message: expect.stringContaining('migrationMode') });
    const profileOnly = await env.bulk([user(1, { given_name: 'Only profile' })], 'plain');
    expect(states(profileOnly)[0].state).toBe('UPDATED');
    const allowed = await env.bulk([user(1, hash('cc'))], 'ciam-migrate');
    expect(states(allowed)[0].state).toBe('UPDATED');
    const stored = env.emu.users()[0]?.password;
    expect(stored?.kind === 'hash' && stored.info.passwordHash).toBe('cc');
  });
});

describe('cidaas bulk: keep-old password mode', () => {
  it('updates the profile and keeps the first password', async () => {
    const { emu, bulk } = await emulator({
      passwordOverwriteWithoutMigrationMode: 'keep-old',
      clients: [{ clientId: 'plain', clientSecret: 'plain-secret', scopes: ['cidaas:bulk_user_create'], migrationMode: false }],
    });
    await bulk([user(1, { password: 'first' })], 'plain');
    const r = await bulk([user(1, { password: 'second' })], 'plain');
    expect(states(r)[0].state).toBe('UPDATED');
    expect(await emu.login('user1@example.com', 'first')).toMatchObject({ ok: true });
  });
});

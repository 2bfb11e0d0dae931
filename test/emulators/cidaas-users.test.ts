import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { call, cidaasToken, expectCidaasError } from './http.ts';

let now = Date.parse('2025-01-01T00:00:00Z');
let emu: CidaasEmulatorHandle;
let token: string;
let readOnly: string;

beforeAll(async () => {
  emu = await startCidaasEmulator({
    clock: () => now,
    deletionGraceSeconds: 3600,
    customFields: { customer_no: { type: 'string' }, old_field: { type: 'string', enabled: false } },
    clients: [
      { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['cidaas:bulk_user_create', 'cidaas:users_read', 'cidaas:users_write', 'cidaas:userupdate', 'cidaas:users_delete'], migrationMode: true },
      { clientId: 'ro', clientSecret: 'ro-secret', scopes: ['cidaas:users_read', 'cidaas:users_write'] },
    ],
  });
  token = await cidaasToken(emu.url);
  readOnly = await cidaasToken(emu.url, 'ro', 'ro-secret');
});
afterAll(() => emu.close());
afterEach(() => emu.reset());

async function seed(status = 'VERIFIED'): Promise<void> {
  const r = await call(`${emu.url}/users-srv/user/bulk`, {
    token,
    json: [{ sub: 'u1', email: 'u1@example.com', provider: 'self', identityId: 'id-1', given_name: 'Max', userStatus: status, password: 'pw' }],
  });
  expect(r.status).toBe(200);
}
const userUrl = (sub = 'u1') => `${emu.url}/user-srv/users/${sub}`;
const put = (body: unknown, t = token, sub = 'u1') => call(userUrl(sub), { method: 'PUT', token: t, json: body });

describe('cidaas GET /user-srv/users/{sub}', () => {
  it('returns the profile in the standard envelope without credentials', async () => {
    await seed();
    const r = await call(userUrl(), { token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, status: 200, data: { sub: 'u1', userStatus: 'VERIFIED', identities: [{ provider: 'self', email: 'u1@example.com', given_name: 'Max' }] } });
    expect(JSON.stringify(r.body)).not.toContain('pw');
  });

  it('404 for an unknown sub or ANONYMOUS; 401 without token', async () => {
    expectCidaasError(await call(userUrl('nobody'), { token }), 404);
    expectCidaasError(await call(userUrl('ANONYMOUS'), { token }), 404);
    expectCidaasError(await call(userUrl()), 401);
  });
});

describe('cidaas PUT /user-srv/users/{sub}', () => {
  it('needs both cidaas:userupdate and cidaas:users_write', async () => {
    await seed();
    expectCidaasError(await put({ userData: { provider: 'self', given_name: 'Eva' } }, readOnly), 403);
  });

  it('updates identity fields, unassigns with "" and null, keeps the provider', async () => {
    await seed();
    const r = await put({ userData: { provider: 'self', identityId: 'id-1', given_name: 'Eva', email: 'eva@example.com', nickname: '' }, customFields: { customer_no: 'C-9' } });
    expect(r.status).toBe(200);
    const got = await call(userUrl(), { token });
    expect(got.body.data.identities[0]).toMatchObject({ given_name: 'Eva', email: 'eva@example.com' });
    expect(got.body.data.customFields).toEqual({ customer_no: 'C-9' });
    expect((await emu.login('eva@example.com', 'pw')).ok).toBe(true);
    const cleared = await put({ userData: { provider: 'self', given_name: null } });
    expect(cleared.status).toBe(200);
    expect((await call(userUrl(), { token })).body.data.identities[0].given_name).toBeUndefined();
  });

  it('400 when the identity (identityId + provider) does not exist or userData is missing', async () => {
    await seed();
    expect(expectCidaasError(await put({ userData: { provider: 'google', given_name: 'x' } }), 400)).toContain('identity');
    expectCidaasError(await put({ userData: { provider: 'self', identityId: 'other' } }), 400);
    expectCidaasError(await put({ customFields: {} }), 400);
  });

  it('404 for an unknown sub', async () => {
    expectCidaasError(await put({ userData: { provider: 'self' } }, token, 'ghost'), 404);
  });

  it('417 for unknown or disabled custom fields and for an invalid email', async () => {
    await seed();
    expectCidaasError(await put({ userData: { provider: 'self' }, customFields: { nope: 'x' } }), 417);
    expectCidaasError(await put({ userData: { provider: 'self' }, customFields: { old_field: 'x' } }), 417);
    const r = await put({ userData: { provider: 'self', email: 'x@mailinator.com' } });
    expect(expectCidaasError(r, 417)).toBe('invalid email passed');
    expect(r.body.error.code).toBe(507);
  });

  it.each([
    ['VERIFIED', 'DECLINED', 200],
    ['VERIFIED', 'DELETED', 200],
    ['DECLINED', 'VERIFIED', 200],
    ['DECLINED', 'DELETED', 200],
    ['PENDING', 'VERIFIED', 200],
    ['VERIFIED', 'PENDING', 400],
    ['PENDING', 'DECLINED', 400],
    ['PENDING', 'DELETED', 400],
    ['DECLINED', 'PENDING', 400],
    ['LOCKED', 'VERIFIED', 400],
    ['VERIFIED', 'LOCKED', 400],
  ])('status %s → %s answers %i', async (from, to, status) => {
    await seed(from);
    const r = await put({ userData: { provider: 'self' }, userStatus: to });
    expect(r.status).toBe(status);
    if (status === 400) expectCidaasError(r, 400);
    expect((await call(userUrl(), { token })).body.data.userStatus).toBe(status === 200 ? to : from);
  });
});

describe('cidaas deletion', () => {
  it('DELETE /users-srv/user/purge/{sub} answers 202 and removes the user; 404 when gone', async () => {
    await seed();
    const r = await call(`${emu.url}/users-srv/user/purge/u1`, { method: 'DELETE', token });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ success: true, status: 202 });
    expectCidaasError(await call(userUrl(), { token }), 404);
    expectCidaasError(await call(`${emu.url}/users-srv/user/purge/u1`, { method: 'DELETE', token }), 404);
  });

  it('purge needs cidaas:users_delete', async () => {
    await seed();
    expectCidaasError(await call(`${emu.url}/users-srv/user/purge/u1`, { method: 'DELETE', token: readOnly }), 403);
  });

  it('schedule: DELETED at once, purged after the grace period', async () => {
    await seed();
    const r = await call(`${emu.url}/users-srv/user/unregister/scheduler/schedule/u1`, { method: 'POST', token });
    expect(r.status).toBe(200);
    expect((await call(userUrl(), { token })).body.data.userStatus).toBe('DELETED');
    expect((await emu.login('u1@example.com', 'pw')).ok).toBe(false);
    now += 3599_000;
    expect((await call(userUrl(), { token })).status).toBe(200);
    now += 2_000;
    expectCidaasError(await call(userUrl(), { token }), 404);
    expect(emu.stats().usersDeleted).toBe(1);
  });

  it('DELETED → VERIFIED cancels the scheduled deletion', async () => {
    await seed();
    await call(`${emu.url}/users-srv/user/unregister/scheduler/schedule/u1`, { method: 'POST', token });
    expect((await put({ userData: { provider: 'self' }, userStatus: 'VERIFIED' })).status).toBe(200);
    now += 7200_000;
    const r = await call(userUrl(), { token });
    expect(r.status).toBe(200);
    expect(r.body.data.userStatus).toBe('VERIFIED');
  });

  it('schedule: 404 unknown user, 401 without token', async () => {
    expectCidaasError(await call(`${emu.url}/users-srv/user/unregister/scheduler/schedule/ghost`, { method: 'POST', token }), 404);
    expectCidaasError(await call(`${emu.url}/users-srv/user/unregister/scheduler/schedule/ghost`, { method: 'POST' }), 401);
  });
});

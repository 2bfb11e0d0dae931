import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator, type CloudentityEmulatorHandle } from '../../src/emulators/cloudentity/index.ts';
import { call, cidaasToken, cloudentityToken, expectCeError, expectCidaasError } from './http.ts';

/** The read routes verify and plan use: SCIM listing, field setup (cidaas); users listing, pool, schemas (Cloudentity). */
describe('cidaas emulator read routes', () => {
  let emu: CidaasEmulatorHandle;
  let token: string;
  beforeAll(async () => {
    emu = await startCidaasEmulator({
      scimMaxCount: 7,
      customFields: { loyalty: { type: 'number' }, old: { type: 'string', enabled: false }, tags: { type: 'array', dataType: 'MULTISELECT' } },
      clients: [
        { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['cidaas:bulk_user_create', 'cidaas:users_read', 'cidaas:field_setup_read', 'cidaas:users_delete'], migrationMode: true },
        { clientId: 'writer', clientSecret: 'writer-secret', scopes: ['cidaas:bulk_user_create'] },
      ],
    });
    token = await cidaasToken(emu.url);
    const users = Array.from({ length: 23 }, (_, i) => ({ sub: `u${i}`, email: `u${i}@example.com`, given_name: `G${i}`, mobile_number: `+49176000000${String(i).padStart(2, '0')}`, provider: 'self' }));
    expect((await call(`${emu.url}/users-srv/user/bulk`, { token, json: users })).status).toBe(200);
  });
  afterAll(() => emu.close());

  const scim = (q: string, t = token, base = '/users-srv/scim/v2') => call(`${emu.url}${base}/Users${q}`, { token: t });

  it('pages SCIM users in creation order with RFC 7644 list responses; count is capped by the server', async () => {
    const first = await scim('?startIndex=1&count=100');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 23, startIndex: 1, itemsPerPage: 7 });
    expect(first.body.Resources[0]).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: 'u0',
      userName: 'u0@example.com',
      name: { givenName: 'G0' },
      emails: [{ value: 'u0@example.com', primary: true }],
      phoneNumbers: [{ value: '+4917600000000' }],
      active: true,
      meta: expect.objectContaining({ resourceType: 'User' }),
    });
    const ids: string[] = [];
    for (let start = 1; ; start += 7) {
      const page = await scim(`?startIndex=${start}&count=7`, token, '/user-scim-srv/v2');
      ids.push(...page.body.Resources.map((r: { id: string }) => r.id));
      if (page.body.Resources.length < 7) break;
    }
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => `u${i}`));
    expect((await scim('?startIndex=40')).body).toMatchObject({ totalResults: 23, itemsPerPage: 0, Resources: [] });
  });

  it('after a purge the listing neither skips nor repeats a user', async () => {
    expect((await call(`${emu.url}/users-srv/user/purge/u3`, { method: 'DELETE', token })).status).toBe(202);
    const ids: string[] = [];
    for (let start = 1; start <= 30; start += 7) ids.push(...(await scim(`?startIndex=${start}&count=7`)).body.Resources.map((r: { id: string }) => r.id));
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => `u${i}`).filter((id) => id !== 'u3'));
  });

  it('refuses what it does not support, a missing token and a missing scope', async () => {
    expect((await scim('?filter=userName%20eq%20%22u1%22')).status).toBe(400);
    expect((await scim('?startIndex=abc')).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await call(`${emu.url}/users-srv/scim/v2/Users`)).status).toBe(401);
    expectCidaasError(await scim('', await cidaasToken(emu.url, 'writer', 'writer-secret')), 403);
  });

  it('shows one custom field of the field setup: type and enabled flag; 404 for one that does not exist', async () => {
    const field = (key: string, t = token) => call(`${emu.url}/registration-setup-srv/fields/flat/field/${key}`, { token: t });
    expect((await field('loyalty')).body).toMatchObject({ success: true, status: 200, data: { fieldKey: 'loyalty', dataType: 'NUMBER', enabled: true, fieldType: 'CUSTOM' } });
    expect((await field('old')).body.data).toMatchObject({ dataType: 'TEXT', enabled: false });
    expect((await field('tags')).body.data).toMatchObject({ dataType: 'MULTISELECT' });
    expect(expectCidaasError(await field('nope'), 404)).toMatch(/nope/);
    expect(expectCidaasError(await field('loyalty', await cidaasToken(emu.url, 'writer', 'writer-secret')), 403)).toMatch(/cidaas:field_setup_read/);
  });

  it('read routes meet the same limits and faults as the others', async () => {
    emu.faults.rateLimit = 2;
    emu.faults.burst = 1;
    try {
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await scim('')).status);
      // One call a burst, two a second: a loop of calls meets 429s (timing decides exactly where).
      expect(statuses[0]).toBe(200);
      expect(statuses).toContain(429);
    } finally {
      emu.faults.rateLimit = 0;
      emu.faults.burst = 0;
    }
  });
});

describe('Cloudentity emulator read routes', () => {
  let emu: CloudentityEmulatorHandle;
  let token: string;
  const base = (p: string) => `${emu.url}/api/identity/default/system${p}`;
  beforeAll(async () => {
    emu = await startCloudentityEmulator({
      pools: [{ id: 'default-pool', payload_schema_id: 'strict', authentication_mechanisms: ['password'] }, 'other'],
      schemas: [{ id: 'strict', schema: { type: 'object', properties: { given_name: { type: 'string' } }, additionalProperties: false } }],
    });
    token = await cloudentityToken(emu.url);
    for (let i = 0; i < 45; i++) {
      const r = await call(base('/pools/default-pool/users'), { token, json: { status: 'active', payload: { given_name: `G${i}` }, metadata: { legacy_id: `l${i}` }, identifiers: [{ identifier: `U${i}@Example.com`, type: 'email' }], verifiable_addresses: [{ address: `U${i}@Example.com`, type: 'email', verified: i % 2 === 0 }] } });
      expect(r.status).toBe(201);
    }
  });
  afterAll(() => emu.close());

  it('lists a pool\'s users sorted by id, paged with after_user_id and limit (default 20, at most 100)', async () => {
    const first = await call(base('/pools/default-pool/users'), { token });
    expect(first.body.users).toHaveLength(20);
    const u = first.body.users[0];
    expect(Object.keys(u)).toEqual(expect.arrayContaining(['id', 'status', 'payload', 'metadata', 'identifiers', 'identifiers_with_details', 'addresses', 'verified addresses']));
    expect(u.identifiers_with_details[0]).toEqual({ type: 'email', value: u.identifiers[0] });
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await call(base(`/pools/default-pool/users?limit=16${after ? `&after_user_id=${after}` : ''}`), { token });
      ids.push(...page.body.users.map((x: { id: string }) => x.id));
      if (page.body.users.length < 16) break;
      after = ids.at(-1);
    }
    expect(ids).toHaveLength(45);
    expect(ids).toEqual([...ids].sort());
    const before = await call(base(`/pools/default-pool/users?limit=100&before_user_id=${ids[5]}`), { token });
    expect(before.body.users.map((x: { id: string }) => x.id)).toEqual(ids.slice(0, 5));
    expectCeError(await call(base('/pools/default-pool/users?limit=101'), { token }), 400);
    expectCeError(await call(base('/pools/default-pool/users?limit=0'), { token }), 400);
    expect((await call(base('/pools/other/users'), { token })).body.users).toEqual([]);
    expectCeError(await call(base('/pools/missing/users'), { token }), 404);
  });

  it('filters with query: user_key and metadata', async () => {
    const q = (o: unknown) => call(base(`/pools/default-pool/users?limit=100&query=${encodeURIComponent(JSON.stringify(o))}`), { token });
    expect((await q({ user_key: 'u17@example.com' })).body.users.map((x: { metadata: { legacy_id: string } }) => x.metadata.legacy_id)).toEqual(['l17']);
    expect((await q({ metadata: { legacy_id: 'l3' } })).body.users).toHaveLength(1);
    expectCeError(await call(base('/pools/default-pool/users?query=nope'), { token }), 400);
  });

  it('shows a pool with its user count, and the tenant\'s schemas', async () => {
    expect((await call(base('/pools/default-pool'), { token })).body).toMatchObject({ id: 'default-pool', payload_schema_id: 'strict', number_of_users: 45, authentication_mechanisms: ['password'] });
    expectCeError(await call(base('/pools/missing'), { token }), 404);
    expect((await call(base('/schemas'), { token })).body.schemas.map((s: { id: string }) => s.id)).toEqual(['strict']);
    expect((await call(base('/schemas/strict'), { token })).body).toMatchObject({ id: 'strict', tenant_id: 'default', schema: { additionalProperties: false } });
    expectCeError(await call(base('/schemas/missing'), { token }), 404);
  });

  it('needs the identity scope', async () => {
    const t = await cloudentityToken(emu.url, 'default', 'ciam-migrate', 'ciam-migrate-secret', 'manage_configuration');
    expectCeError(await call(base('/pools/default-pool/users'), { token: t }), 403);
    expectCeError(await call(base('/schemas'), { token: t }), 403);
  });
});

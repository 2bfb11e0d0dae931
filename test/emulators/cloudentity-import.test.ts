import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCloudentityEmulator, type CloudentityEmulatorHandle, type CloudentityEmulatorInput } from '../../src/emulators/cloudentity/index.ts';
import { dump, entry, many } from './ce-fixtures.ts';
import { basic, call, cloudentityToken, expectCeError, form } from './http.ts';

const started: CloudentityEmulatorHandle[] = [];
async function emulator(options: CloudentityEmulatorInput = {}) {
  const emu = await startCloudentityEmulator(options);
  started.push(emu);
  const token = await cloudentityToken(emu.url);
  const put = (body: unknown, query = '', prefix = '/api/identity/default') =>
    call(`${emu.url}${prefix}/configuration${query}`, { method: 'PUT', token, json: body });
  return { emu, token, put };
}
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

let now = Date.parse('2025-01-01T00:00:00Z');

describe('Cloudentity POST /{tid}/system/oauth2/token', () => {
  let emu: CloudentityEmulatorHandle;
  beforeAll(async () => {
    emu = await startCloudentityEmulator({
      clock: () => now,
      tokenTtlSeconds: 60,
      clients: [
        { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['manage_configuration', 'read_configuration', 'identity'] },
        { clientId: 'reader', clientSecret: 'reader-secret', scopes: ['read_configuration'] },
      ],
    });
    started.push(emu);
  });
  const url = () => `${emu.url}/default/system/oauth2/token`;

  it('issues a bearer token with client_secret_post and client_secret_basic', async () => {
    const post = await call(url(), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' }) });
    expect(post.status).toBe(200);
    expect(post.body).toMatchObject({ token_type: 'bearer', expires_in: 60, scope: 'manage_configuration read_configuration identity' });
    const f = form({ grant_type: 'client_credentials', scope: 'identity' });
    const b = await call(url(), { method: 'POST', body: f.body, headers: { ...f.headers, authorization: basic('ciam-migrate', 'ciam-migrate-secret') } });
    expect(b.body.scope).toBe('identity');
  });

  it('401 invalid_client, 400 invalid_scope / wrong grant, 404 unknown tenant', async () => {
    const bad = await call(url(), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'x' }) });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
    const scope = await call(url(), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'reader', client_secret: 'reader-secret', scope: 'manage_configuration' }) });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
    expect((await call(url(), { method: 'POST', ...form({ grant_type: 'password', client_id: 'reader', client_secret: 'reader-secret' }) })).status).toBe(400);
    expectCeError(await call(`${emu.url}/other/system/oauth2/token`, { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'reader', client_secret: 'reader-secret' }) }), 404);
  });

  it('import needs manage_configuration (403), a token (401), an unexpired token (401)', async () => {
    const reader = await cloudentityToken(emu.url, 'default', 'reader', 'reader-secret');
    expectCeError(await call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', token: reader, json: many(1) }), 403);
    expect((await call(`${emu.url}/api/identity/default/configuration`, { token: reader })).status).toBe(200);
    expectCeError(await call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', json: many(1) }), 401);
    const t = await cloudentityToken(emu.url);
    now += 61_000;
    expectCeError(await call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', token: t, json: many(1) }), 401);
  });
});

describe('Cloudentity PUT …/configuration', () => {
  let env: Awaited<ReturnType<typeof emulator>>;
  beforeAll(async () => {
    env = await emulator({ pools: ['default-pool', 'other-pool'] });
  });
  afterEach(() => env.emu.reset());

  it('204 under both path prefixes; the export returns the TenantDump', async () => {
    expect((await env.put(many(1))).status).toBe(204);
    expect((await env.put(many(1, 1), '', '/api/identity/system/default')).status).toBe(204);
    const exported = await call(`${env.emu.url}/api/identity/system/default/configuration`, { token: env.token });
    expect(exported.status).toBe(200);
    expect(exported.body.users.map((u: { id: string }) => u.id).sort()).toEqual(['u-0', 'u-1']);
    expect(exported.body.user_credentials).toHaveLength(2);
    expect(exported.body.user_identifiers[0]).toMatchObject({ identifier_lc: 'user0@example.com' });
  });

  it('accepts 100 users and answers 413 for 101 (configurable)', async () => {
    expect((await env.put(many(100))).status).toBe(204);
    expectCeError(await env.put(many(101, 200)), 413);
    const small = await emulator({ batchCap: 10, batchCapStatus: 400 });
    expectCeError(await small.put(many(11)), 400);
  });

  it('400 for malformed JSON, a non-object body or an unknown mode', async () => {
    expectCeError(await call(`${env.emu.url}/api/identity/default/configuration`, { method: 'PUT', token: env.token, body: '{', headers: { 'content-type': 'application/json' } }), 400);
    expectCeError(await env.put([]), 400);
    expectCeError(await env.put(many(1), '?mode=merge'), 400);
  });

  it.each([
    ['users[0].status', (d: ReturnType<typeof many>) => delete (d.users[0] as Record<string, unknown>)['status']],
    ['users[0].status enum', (d: ReturnType<typeof many>) => ((d.users[0] as Record<string, unknown>)['status'] = 'enabled')],
    ['users[0].tenant_id', (d: ReturnType<typeof many>) => ((d.users[0] as Record<string, unknown>)['tenant_id'] = 'other')],
    ['user_credentials[0].type enum', (d: ReturnType<typeof many>) => ((d.user_credentials[0] as Record<string, unknown>)['type'] = 'pin')],
    ['user_credentials[0].created_at', (d: ReturnType<typeof many>) => delete (d.user_credentials[0] as Record<string, unknown>)['created_at']],
    ['user_credentials[0].state enum', (d: ReturnType<typeof many>) => ((d.user_credentials[0] as Record<string, unknown>)['state'] = 'expired')],
    ['hash method enum', (d: ReturnType<typeof many>) => ((d.user_credentials[0] as Record<string, unknown>)['payload'] = { hashed_password: { config: { method: 'scrypt' }, value: 'x' } })],
    ['hash value', (d: ReturnType<typeof many>) => ((d.user_credentials[0] as Record<string, unknown>)['payload'] = { hashed_password: { config: { method: 'bcrypt' } } })],
    ['pbkdf2 iterations type', (d: ReturnType<typeof many>) => ((d.user_credentials[0] as Record<string, unknown>)['payload'] = { hashed_password: { config: { method: 'pbkdf2', pbkdf2: { number_of_iterations: '1000' } }, value: 'x' } })],
    ['user_identifiers[0].identifier_lc', (d: ReturnType<typeof many>) => delete (d.user_identifiers[0] as Record<string, unknown>)['identifier_lc']],
    ['identifier_lc not lower-cased', (d: ReturnType<typeof many>) => ((d.user_identifiers[0] as Record<string, unknown>)['identifier_lc'] = 'User0@example.com')],
    ['user_identifiers[0].type enum', (d: ReturnType<typeof many>) => ((d.user_identifiers[0] as Record<string, unknown>)['type'] = 'phone')],
    ['addresses verified', (d: ReturnType<typeof many>) => delete (d.user_verifiable_addresses[0] as Record<string, unknown>)['verified']],
    ['addresses status enum', (d: ReturnType<typeof many>) => ((d.user_verifiable_addresses[0] as Record<string, unknown>)['status'] = 'pending')],
    ['addresses preferred_contact_method enum', (d: ReturnType<typeof many>) => ((d.user_verifiable_addresses[0] as Record<string, unknown>)['preferred_contact_method'] = 'fax')],
    ['date-time format', (d: ReturnType<typeof many>) => ((d.users[0] as Record<string, unknown>)['created_at'] = '2024-01-01')],
    ['user_id link', (d: ReturnType<typeof many>) => ((d.user_identifiers[0] as Record<string, unknown>)['user_id'] = 'nobody')],
    ['user_pool_id of a linked record', (d: ReturnType<typeof many>) => ((d.user_credentials[0] as Record<string, unknown>)['user_pool_id'] = 'other-pool')],
    ['duplicate id', (d: ReturnType<typeof many>) => d.users.push({ ...(d.users[0] as (typeof d.users)[number]) })],
    ['users not an array', (d: ReturnType<typeof many>) => ((d as Record<string, unknown>)['users'] = {})],
  ])('422 with the error body for %s, and nothing is written', async (_name, mutate) => {
    const d = many(2);
    mutate(d);
    const r = await env.put(d);
    expectCeError(r, 422);
    expect(r.body.details.errors.length).toBeGreaterThan(0);
    expect(env.emu.dump().users).toHaveLength(0);
  });

  it('404 for an unknown pool', async () => {
    expectCeError(await env.put(dump(entry(1, { pool: 'nope' }))), 404);
  });

  it('a user_id may point to a user stored earlier', async () => {
    await env.put(many(1));
    const only = many(1);
    const r = await env.put({ user_identifiers: [{ ...only.user_identifiers[0], id: 'i-extra', identifier: 'alias@example.com', identifier_lc: 'alias@example.com', type: 'uid' }] });
    expect(r.status).toBe(204);
  });

  it('409 for a duplicate identifier_lc in a pool, in one request or against stored users', async () => {
    const sameInBatch = dump(entry(1, { email: 'dup@example.com' }), entry(2, { email: 'DUP@example.com' }));
    expectCeError(await env.put(sameInBatch), 409);
    expect((await env.put(dump(entry(1, { email: 'dup@example.com' })))).status).toBe(204);
    expectCeError(await env.put(dump(entry(2, { email: 'Dup@Example.com' }))), 409);
    // Another pool is another namespace.
    expect((await env.put(dump(entry(3, { email: 'dup@example.com', pool: 'other-pool' })))).status).toBe(204);
  });

  it('mode=update (default) overwrites; re-import replaces sub-entries; an email change frees the old one', async () => {
    await env.put(dump(entry(1, { email: 'old@example.com' })));
    const changed = dump(entry(1, { email: 'new@example.com' }));
    (changed.user_identifiers[0] as Record<string, unknown>)['id'] = 'i-1-new';
    expect((await env.put(changed)).status).toBe(204);
    expect(env.emu.dump().user_identifiers.map((i) => i['identifier_lc'])).toEqual(['new@example.com']);
    expect((await env.put(dump(entry(2, { email: 'old@example.com' })))).status).toBe(204);
    expect(env.emu.stats()).toMatchObject({ usersCreated: 2, usersUpdated: 1 });
  });

  it('mode=fail answers 409 for an existing id; mode=ignore keeps the stored record', async () => {
    await env.put(many(1));
    expectCeError(await env.put(many(1), '?mode=fail'), 409);
    const renamed = many(1);
    (renamed.users[0] as Record<string, unknown>)['payload'] = { given_name: 'Changed' };
    expect((await env.put(renamed, '?mode=ignore')).status).toBe(204);
    expect(env.emu.dump().users[0]?.['payload']).toEqual({ given_name: 'N0' });
    expect((await env.put(renamed, '?mode=update')).status).toBe(204);
    expect(env.emu.dump().users[0]?.['payload']).toEqual({ given_name: 'Changed' });
  });
});

describe('Cloudentity required-field sets', () => {
  it('docs mode accepts the how-to minimum that spec mode rejects', async () => {
    const minimal = {
      users: [{ id: 'u1', tenant_id: 'default', user_pool_id: 'default-pool' }],
      user_identifiers: [{ id: 'i1', user_id: 'u1', identifier: 'Min@Example.com' }],
    };
    const spec = await emulator();
    expectCeError(await spec.put(minimal), 422);
    const docs = await emulator({ requiredFields: 'docs' });
    expect((await docs.put(minimal)).status).toBe(204);
    expect(docs.emu.dump().user_identifiers[0]).toMatchObject({ identifier_lc: 'min@example.com', user_pool_id: 'default-pool' });
  });
});

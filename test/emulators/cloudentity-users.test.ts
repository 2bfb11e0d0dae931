import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCloudentityEmulator, type CloudentityEmulatorHandle } from '../../src/emulators/cloudentity/index.ts';
import { dump, entry } from './ce-fixtures.ts';
import { call, cloudentityToken, expectCeError } from './http.ts';

let now = Date.parse('2025-01-01T00:00:00Z');
let emu: CloudentityEmulatorHandle;
let token: string;
const base = () => `${emu.url}/api/identity/default/system/pools/default-pool/users`;
const KEY = 'k'.repeat(32);

beforeAll(async () => {
  emu = await startCloudentityEmulator({ clock: () => now });
  token = await cloudentityToken(emu.url);
});
afterAll(() => emu.close());

describe('Cloudentity per-user System APIs', () => {
  afterEach(() => emu.reset());
  const create = (body: unknown, headers: Record<string, string> = {}) => call(base(), { method: 'POST', token, json: body, headers });

  it('creates a user with a client-chosen id (201), 409 on the same id or a taken identifier', async () => {
    const r = await create({ id: 'chosen-1', status: 'active', payload: { given_name: 'Max' }, identifiers: [{ identifier: 'Max@Example.com', type: 'email' }], credentials: [{ type: 'password', password: 'pw-1' }] });
    expect(r.status).toBe(201);
    expect(r.headers.get('etag')).toBeTruthy();
    expect(r.body).toMatchObject({ id: 'chosen-1', status: 'active', identifiers: [{ identifier_lc: 'max@example.com' }] });
    expect(JSON.stringify(r.body.credentials)).not.toContain('hashed_password');
    expectCeError(await create({ id: 'chosen-1', status: 'active' }), 409);
    expectCeError(await create({ status: 'active', identifiers: [{ identifier: 'max@example.com', type: 'email' }] }), 409);
    expect(await emu.login('max@example.com', 'pw-1')).toEqual({ ok: true, userId: 'chosen-1' });
  });

  it('422 without status, with a bad enum, or a password credential without password', async () => {
    expectCeError(await create({ id: 'x' }), 422);
    expectCeError(await create({ status: 'enabled' }), 422);
    expectCeError(await create({ status: 'active', identifiers: [{ identifier: 'a@b.co', type: 'phone' }] }), 422);
    expectCeError(await create({ status: 'active', credentials: [{ type: 'password' }] }), 422);
  });

  it('404 for an unknown pool or user, 403 without the identity scope', async () => {
    expectCeError(await call(`${emu.url}/api/identity/default/system/pools/nope/users/x`, { token }), 404);
    expectCeError(await call(`${base()}/ghost`, { token }), 404);
    const t = await cloudentityToken(emu.url, 'default', 'ciam-migrate', 'ciam-migrate-secret', 'manage_configuration');
    expectCeError(await call(`${base()}/ghost`, { token: t }), 403);
  });

  it('get, by_key (identifier or verified address), update, delete', async () => {
    await call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', token, json: dump(entry(1)) });
    const got = await call(`${base()}/u-1`, { token });
    expect(got.status).toBe(200);
    expect(got.body.verifiable_addresses).toHaveLength(1);
    expect((await call(`${base()}/by_key`, { token, json: { identifier: 'USER1@example.com' } })).body.id).toBe('u-1');
    expect((await call(`${base()}/by_key`, { token, json: { address: 'user1@example.com' } })).body.id).toBe('u-1');
    expectCeError(await call(`${base()}/by_key`, { token, json: { identifier: 'none@example.com' } }), 404);
    expectCeError(await call(`${base()}/by_key`, { token, json: {} }), 400);
    const upd = await call(`${base()}/u-1`, { method: 'PUT', token, json: { payload: { family_name: 'New' } } });
    expect(upd.status).toBe(200);
    expect(upd.body.payload).toEqual({ family_name: 'New' });
    expect(upd.body.status).toBe('active');
    expectCeError(await call(`${base()}/u-1`, { method: 'PUT', token, json: { status: 'gone' } }), 422);
    expect((await call(`${base()}/u-1`, { method: 'DELETE', token })).status).toBe(204);
    expectCeError(await call(`${base()}/u-1`, { token }), 404);
    expect(emu.dump().user_identifiers).toHaveLength(0);
  });

  it('If-Match with a stale ETag answers 412; the current one succeeds', async () => {
    await create({ id: 'e1', status: 'active' });
    const first = (await call(`${base()}/e1`, { token })).headers.get('etag') as string;
    const upd = await call(`${base()}/e1`, { method: 'PUT', token, json: { metadata: { a: 1 } }, headers: { 'if-match': first } });
    expect(upd.status).toBe(200);
    const second = upd.headers.get('etag') as string;
    expect(second).not.toBe(first);
    expectCeError(await call(`${base()}/e1`, { method: 'PUT', token, json: { metadata: { a: 2 } }, headers: { 'if-match': first } }), 412);
    expectCeError(await call(`${base()}/e1`, { method: 'DELETE', token, headers: { 'if-match': first } }), 412);
    expect((await call(`${base()}/e1`, { method: 'DELETE', token, headers: { 'if-match': second } })).status).toBe(204);
  });

  it('X-Idempotency-Key replays the first answer within the window, with X-Idempotent-Replayed', async () => {
    const body = { status: 'active', identifiers: [{ identifier: 'idem@example.com', type: 'email' }] };
    const first = await create(body, { 'x-idempotency-key': KEY });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-idempotent-replayed')).toBeNull();
    const again = await create(body, { 'x-idempotency-key': KEY });
    expect(again.status).toBe(201);
    expect(again.headers.get('x-idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(emu.dump().users).toHaveLength(1);
    now += 61_000;
    expectCeError(await create(body, { 'x-idempotency-key': KEY }), 409);
    expectCeError(await create(body, { 'x-idempotency-key': 'short' }), 400);
  });

  it('identifiers add/remove and addresses add/update/remove', async () => {
    await create({ id: 'p1', status: 'active' });
    await create({ id: 'p2', status: 'active', identifiers: [{ identifier: 'taken@example.com', type: 'email' }] });
    const add = await call(`${base()}/p1/identifiers/add`, { token, json: { identifier: 'P1@example.com', type: 'email' } });
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({ identifier_lc: 'p1@example.com', user_id: 'p1' });
    expectCeError(await call(`${base()}/p1/identifiers/add`, { token, json: { identifier: 'TAKEN@example.com', type: 'email' } }), 409);
    expectCeError(await call(`${base()}/p1/identifiers/add`, { token, json: { identifier: 'x@example.com' } }), 422);
    expect((await call(`${base()}/p1/identifiers/remove`, { token, json: { identifier: 'p1@example.com' } })).status).toBe(204);
    expectCeError(await call(`${base()}/p1/identifiers/remove`, { token, json: { identifier: 'p1@example.com' } }), 404);

    expectCeError(await call(`${base()}/p1/addresses/add`, { token, json: { address: 'a@example.com', type: 'email' } }), 422);
    const addr = await call(`${base()}/p1/addresses/add`, { token, json: { address: 'a@example.com', type: 'email', verified: false } });
    expect(addr.status).toBe(200);
    expect(addr.body).toMatchObject({ status: 'active', verified: false });
    expectCeError(await call(`${base()}/by_key`, { token, json: { address: 'a@example.com' } }), 404);
    const upd = await call(`${base()}/p1/addresses/update`, { token, json: { address: 'a@example.com', status: 'active', verified: true } });
    expect(upd.body.verified).toBe(true);
    expect((await call(`${base()}/by_key`, { token, json: { address: 'a@example.com' } })).body.id).toBe('p1');
    expect((await call(`${base()}/p1/addresses/remove`, { token, json: { address: 'a@example.com' } })).status).toBe(204);
    expectCeError(await call(`${base()}/p1/addresses/update`, { token, json: { address: 'a@example.com', status: 'active', verified: true } }), 404);
  });

  it('password state must_be_reset makes the login answer "must reset"', async () => {
    await create({ id: 's1', status: 'active', identifiers: [{ identifier: 's1@example.com', type: 'email' }], credentials: [{ type: 'password', password: 'pw' }] });
    expect((await emu.login('s1@example.com', 'pw')).ok).toBe(true);
    expect((await call(`${base()}/s1/password/state`, { method: 'PUT', token, json: { state: 'must_be_reset' } })).status).toBe(204);
    expect(await emu.login('s1@example.com', 'pw')).toMatchObject({ ok: false, reason: 'must reset' });
    expectCeError(await call(`${base()}/s1/password/state`, { method: 'PUT', token, json: { state: 'broken' } }), 422);
  });
});

describe('Cloudentity POST /_emulator/login with imported hashes', () => {
  const PW = 'Tr0ub4dor&3';
  const salt = randomBytes(8);
  const hashes: Array<[string, () => Promise<unknown>]> = [
    ['bcrypt', async () => ({ config: { method: 'bcrypt', bcrypt: { cost: 4 } }, value: await bcryptHash(PW, 4) })],
    ['argon2 PHC', async () => ({ config: { method: 'argon2', argon2: { iterations: 1, memory_in_kb: 1024, parallelism: 1 } }, value: await argon2Hash(PW, { memoryCost: 1024, timeCost: 1, parallelism: 1 }) })],
    ['pbkdf2 salt in config', async () => ({ config: { method: 'pbkdf2', pbkdf2: { function: 'sha256', number_of_iterations: 1000, key_length: 32, salt: Buffer.from('saltsalt').toString('base64') } }, value: pbkdf2Sync(PW, 'saltsalt', 1000, 32, 'sha256').toString('base64') })],
    ['pbkdf2 salt in value', async () => ({ config: { method: 'pbkdf2', pbkdf2: { function: 'SHA-512', number_of_iterations: 500, key_length: 64, salt_length: 8 } }, value: Buffer.concat([salt, pbkdf2Sync(PW, salt, 500, 64, 'sha512')]).toString('base64') })],
    ['sha salt in config', async () => ({ config: { method: 'sha', sha: { function: 'SHA-256', salt: Buffer.from('pepper').toString('base64'), salt_length: 6 } }, value: createHash('sha256').update(PW + 'pepper').digest('base64') })],
    ['sha salt after digest (SSHA)', async () => ({ config: { method: 'sha', sha: { function: 'SHA-1', salt_length: 8, salt_after_digest_in_hash: true } }, value: Buffer.concat([createHash('sha1').update(PW).update(salt).digest(), salt]).toString('base64') })],
    ['sha salt before digest', async () => ({ config: { method: 'sha', sha: { function: 'SHA-512', salt_length: 8 } }, value: Buffer.concat([salt, createHash('sha512').update(PW).update(salt).digest()]).toString('base64') })],
    ['md5 unsalted', async () => ({ config: { method: 'md5', md5: {} }, value: createHash('md5').update(PW).digest('base64') })],
  ];

  beforeAll(async () => {
    const entries = await Promise.all(hashes.map(async ([, make], n) => entry(n, { hashed: await make() })));
    entries.push(entry(100, { credential: { expires_at: '2020-01-01T00:00:00Z' } }));
    entries.push(entry(101, { hashed: { config: { method: 'md5' }, value: createHash('md5').update(PW).digest('base64') }, credential: { expires_at: '1900-01-01T00:00:00Z' } }));
    entries.push(entry(102, { credential: { state: 'must_be_reset' } }));
    const inactive = entry(103);
    (inactive.users[0] as Record<string, unknown>)['status'] = 'inactive';
    entries.push(inactive);
    const r = await call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', token, json: dump(...entries) });
    expect(r.status).toBe(204);
  });

  it.each(hashes.map(([name], n) => [name, n] as const))('%s: right password logs in, wrong one does not', async (_name, n) => {
    const ok = await call(`${emu.url}/_emulator/login`, { json: { identifier: `user${n}@example.com`, password: PW } });
    expect(ok.body).toEqual({ ok: true, userId: `u-${n}` });
    expect(await emu.login(`user${n}@example.com`, 'wrong')).toEqual({ ok: false, reason: 'wrong password', userId: `u-${n}` });
  });

  it('expires_at in the past → must reset, but 1900-01-01 is the keep-password sentinel', async () => {
    expect(await emu.login('user100@example.com', 'anything')).toMatchObject({ ok: false, reason: 'must reset' });
    expect(await emu.login('user101@example.com', PW)).toEqual({ ok: true, userId: 'u-101' });
  });

  it('state must_be_reset → must reset; inactive users and unknown identifiers are refused', async () => {
    expect(await emu.login('user102@example.com', PW)).toMatchObject({ ok: false, reason: 'must reset' });
    expect(await emu.login('user103@example.com', PW)).toMatchObject({ ok: false, reason: 'inactive' });
    expect(await emu.login('ghost@example.com', PW)).toEqual({ ok: false, reason: 'unknown user' });
  });
});

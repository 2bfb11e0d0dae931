import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Mapping } from '../../src/config/mapping.ts';
import { SourceConfig } from '../../src/config/source.ts';
import { verify } from '../../src/hashes/index.ts';
import { createMapper, type MapResult } from '../../src/mapping/index.ts';
import { isPasswordHash, type User } from '../../src/model/index.ts';
import { createSource } from '../../src/sources/index.ts';

const FIXTURES = new URL('../fixtures/sources/', import.meta.url).pathname;
const firebaseHash = JSON.parse(readFileSync(`${FIXTURES}firebase/hash-config.json`, 'utf8')) as object;

async function run(config: unknown, override: object = {}): Promise<[string, MapResult][]> {
  const source = createSource(SourceConfig.parse(config), { baseDir: FIXTURES });
  const mapper = await createMapper(
    Mapping.parse(override),
    source.defaultMapping ? { preset: source.defaultMapping } : {},
  );
  const out: [string, MapResult][] = [];
  for await (const r of source.read()) out.push([r.position, mapper.map(r)]);
  return out;
}

function user(results: [string, MapResult][], position: string): User {
  const r = results.find(([p]) => p === position)?.[1];
  if (!r?.ok) throw new Error(`${position}: ${r ? r.reason : 'missing'}`);
  return r.user;
}

async function expectLogin(u: User, password: string): Promise<void> {
  expect(isPasswordHash(u.password)).toBe(true);
  if (isPasswordHash(u.password)) {
    expect(await verify(u.password, password)).toBe(true);
    expect(await verify(u.password, `${password}-wrong`)).toBe(false);
  }
}

describe('vendor sources with their default mapping', () => {
  it('auth0: joins the hash export, keeps social identities and TOTP, rejects broken lines', async () => {
    const results = await run({
      kind: 'auth0',
      path: 'auth0/users.ndjson',
      passwordHashes: 'auth0/password-hashes.ndjson',
    });
    expect(results.map(([p, r]) => [p, r.ok ? r.user.sourceId : r.reason])).toEqual([
      ['line 1', 'auth0|5f1a00000000000000000001'],
      ['line 2', 'google-oauth2|1098765'],
      ['line 3', 'auth0|5f1a00000000000000000003'],
      ['line 4', 'invalid JSON (a truncated or broken line?)'],
      ['line 5', 'user_id is missing'],
    ]);
    const ada = user(results, 'line 1');
    expect(ada).toMatchObject({
      email: 'ada@example.org',
      emailVerified: true,
      name: { given: 'Ada', display: 'Ada Lovelace' },
      mfa: [{ type: 'totp', secret: 'JBSWY3DPEHPK3PXP' }],
    });
    await expectLogin(ada, 'ada-pw');
    expect(user(results, 'line 2')).toMatchObject({
      status: 'disabled',
      identities: [{ provider: 'google-oauth2', providerUserId: '1098765' }],
    });
    // The mapper's rule: no stored hash means a forced reset, social users included.
    expect(user(results, 'line 2').password).toEqual({ mustReset: true });
    expect(user(results, 'line 3').password).toEqual({ mustReset: true });
  });

  it('keycloak: pbkdf2 credential, OTP, federated identity, groups and realm roles', async () => {
    const results = await run({ kind: 'keycloak', path: 'keycloak/realm-export.json' });
    const ada = user(results, 'users[0]');
    expect(ada).toMatchObject({
      sourceId: 'a1b2c3d4-0000-4000-8000-000000000001',
      username: 'ada',
      phone: '+442079460018',
      createdAt: '2020-09-13T12:26:40.000Z',
      identities: [{ provider: 'github', providerUserId: '4242' }],
      groups: ['staff', 'staff/admins'],
      roles: ['default-roles-acme', 'customer'],
      mfa: [{ type: 'totp', digits: 6, period: 30, algorithm: 'SHA1' }],
    });
    await expectLogin(ada, 'ada-pw');
    expect(user(results, 'users[1]')).toMatchObject({ status: 'disabled', password: { mustReset: true } });
    expect(results[2]).toEqual(['users[2]', { ok: false, reason: 'user without an id' }]);
  });

  it('firebase JSON and CSV: modified scrypt with the project parameters from config', async () => {
    const json = await run({ kind: 'firebase', path: 'firebase/users.json', hash: firebaseHash });
    const ada = user(json, 'users[0]');
    expect(ada).toMatchObject({
      email: 'ada@example.org',
      identities: [{ provider: 'google', providerUserId: '1122' }],
      createdAt: '2020-09-13T12:26:40.000Z',
    });
    await expectLogin(ada, 'ada-pw');
    expect(user(json, 'users[1]')).toMatchObject({
      phone: '+14155552671',
      status: 'disabled',
      mfa: [{ type: 'sms', value: '+14155552672' }],
    });
    const csv = await run({ kind: 'firebase', path: 'firebase/users.csv', hash: firebaseHash });
    await expectLogin(user(csv, 'line 1'), 'alan-pw');
    expect(user(csv, 'line 1').identities).toEqual([{ provider: 'github', providerUserId: '9876' }]);
    expect(user(csv, 'line 2').password).toEqual({ mustReset: true });
  });

  it('firebase without the project parameters rejects hashed users by name instead of dropping the hash', async () => {
    const results = await run({ kind: 'firebase', path: 'firebase/users.json' });
    expect(results[0]?.[1]).toEqual({
      ok: false,
      reason: expect.stringMatching(/^password: firebase-scrypt needs mapping.password.firebase/),
    });
  });

  it('cognito: no hashes, so a forced reset; custom attributes by override', async () => {
    const results = await run(
      { kind: 'cognito', path: 'cognito/users.csv' },
      { attributes: { tier: 'raw.custom:tier' }, fields: { birthdate: 'raw.birthdate' } },
    );
    expect(user(results, 'line 2')).toMatchObject({
      sourceId: '11111111-2222-4333-8444-555555555555',
      username: 'ada',
      phone: '+442079460018',
      phoneVerified: true,
      birthdate: '1815-12-10',
      password: { mustReset: true },
      attributes: { tier: 'gold' },
      updatedAt: '2023-11-14T22:13:20.000Z',
    });
    expect(user(results, 'line 3')).toMatchObject({ status: 'disabled', emailVerified: false });
  });

  it('cloudentity: joins identifiers, addresses, credentials and groups; filters by pool', async () => {
    const results = await run({ kind: 'cloudentity', path: 'cloudentity/tenant-dump.json', poolId: 'pool1' });
    expect(results).toHaveLength(2);
    const max = user(results, 'users[0]');
    expect(max).toMatchObject({
      email: 'Max@Example.com',
      emailVerified: true,
      name: { given: 'Max', family: 'Muster' },
      groups: ['staff'],
    });
    await expectLogin(max, 'max-pw');
    expect(user(results, 'users[1]')).toMatchObject({ status: 'disabled', username: 'erika' });
  });
});

describe('json and ndjson sources', () => {
  const base = { fields: { sourceId: 'id', email: 'email' } };
  it('json: yields the items, then one reason for the truncated end', async () => {
    const results = await run({ kind: 'json', path: 'json/users.json' }, base);
    expect(results.map(([p, r]) => [p, r.ok ? r.user.email : r.reason.slice(0, 40)])).toEqual([
      ['[0]', 'a@example.org'],
      ['[1]', 'b@example.org'],
      ['[2]', 'invalid JSON after item 2 (truncated fil'],
    ]);
  });

  it('ndjson: a broken line is rejected with its number and the rest is read', async () => {
    const results = await run({ kind: 'ndjson', path: 'json/users.ndjson' }, base);
    expect(results.map(([p, r]) => [p, r.ok ? r.user.email : r.reason])).toEqual([
      ['line 1', 'a@example.org'],
      ['line 2', 'invalid JSON (a truncated or broken line?)'],
      ['line 4', 'c@example.org'],
      ['line 5', 'the record is not a JSON object'],
    ]);
  });
});

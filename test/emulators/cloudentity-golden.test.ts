import { afterAll, describe, expect, it } from 'vitest';
import { startCloudentityEmulator, type CloudentityEmulatorHandle, type CloudentityEmulatorInput } from '../../src/emulators/cloudentity/index.ts';
import { T, dump, entry, many } from './ce-fixtures.ts';
import { manualClock, normaliser } from './golden.ts';
import { call, cloudentityToken } from './http.ts';

/**
 * Golden transcript of the Cloudentity emulator's import: every answer (status, ETag, body in wire
 * order), the export and per-user views after ordinary and odd TenantDump imports. Recorded once
 * from the reference implementation; any change in documented behaviour shows up as a diff.
 */

const started: CloudentityEmulatorHandle[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

type Put = (label: string, body: unknown, query?: string) => Promise<void>;

async function transcript(options: CloudentityEmulatorInput, script: (put: Put, get: (label: string, path: string) => Promise<void>, emu: CloudentityEmulatorHandle, record: (label: string, value: unknown) => void) => Promise<void>): Promise<string[]> {
  const clock = manualClock();
  const emu = await startCloudentityEmulator({ clock: clock.now, pools: ['default-pool', 'other-pool'], ...options });
  started.push(emu);
  const token = await cloudentityToken(emu.url);
  const norm = normaliser();
  const lines: string[] = [];
  const record = (label: string, value: unknown): void => void lines.push(`${label} ${JSON.stringify(norm(value))}`);
  const put: Put = async (label, body, query = '') => {
    const r = await call(`${emu.url}/api/identity/default/configuration${query}`, { method: 'PUT', token, json: body });
    record(label, { status: r.status, body: r.body });
    clock.advance(1000);
  };
  const get = async (label: string, path: string): Promise<void> => {
    const r = await call(`${emu.url}${path}`, { token });
    record(label, { status: r.status, etag: r.headers.get('etag'), body: r.body });
  };
  await script(put, get, emu, record);
  // The per-route counters came later; the golden record keeps the counters it was made with.
  const { byRoute: _byRoute, ...stats } = emu.stats();
  record('stats', stats);
  record('export', (await call(`${emu.url}/api/identity/default/configuration`, { token })).body);
  record('pools', (await call(`${emu.url}/api/identity/default/system/pools`, { token })).body);
  return lines;
}

const users = '/api/identity/default/system/pools/default-pool/users';

describe('Cloudentity emulator golden transcript', () => {
  it('imports, upserts, modes and views answer as recorded', async () => {
    const lines = await transcript({}, async (put, get, emu, record) => {
      const first = many(3);
      // Optional fields left out: the user's timestamps (filled in); then a required one (status).
      const bare = entry(10, { email: 'Bare@Example.com' });
      const { created_at: _c, updated_at: _u, ...bareUser } = bare.users[0] as Record<string, unknown>;
      const { status: _s, ...noStatus } = bareUser;
      await put('missing-status', { ...bare, users: [noStatus] });
      const sha = entry(11, { hashed: { config: { method: 'sha', sha: { function: 'SHA-256', salt: 'c2FsdA==', salt_length: 4 } }, value: 'abc=' }, credential: { expires_at: T } });
      await put('first', dump(...first.users.map((_, i) => entry(i)), sha, { ...bare, users: [bareUser] } as ReturnType<typeof entry>));
      await put('again-same', many(3));
      await put('changed-email', dump(entry(1, { email: 'changed@example.com' })));
      await put('takes-freed-email', dump(entry(20, { email: 'User1@Example.com' })));
      await put('identifier-taken', dump(entry(21, { email: 'user0@example.com' })));
      await put('identifier-twice-in-request', dump(entry(22, { email: 'same@example.com' }), entry(23, { email: 'SAME@example.com' })));
      await put('other-pool-same-email', dump(entry(24, { email: 'user0@example.com', pool: 'other-pool' })));
      await put('unknown-pool', dump(entry(25, { pool: 'nope' })));
      await put('mode-fail', many(1), '?mode=fail');
      await put('mode-ignore', dump(entry(0, { email: 'ignored@example.com' }), entry(26)), '?mode=ignore');
      await put('bad-mode', many(1), '?mode=merge');
      await put('not-json-object', []);
      await put('not-array', { users: {} });
      await put('too-many', many(101, 500));
      await put('child-only-existing-user', { user_identifiers: [{ ...entry(2).user_identifiers[0], id: 'i-extra', identifier: 'Alias@Example.com', identifier_lc: 'alias@example.com', type: 'uid' }] });
      await put('child-unknown-user', { user_identifiers: [{ ...entry(99).user_identifiers[0] }] });
      await put('child-pool-mismatch', { ...entry(27), user_identifiers: [{ ...entry(27).user_identifiers[0], user_pool_id: 'other-pool' }] });
      const invalid = entry(28);
      await put('validation', {
        users: [{ ...invalid.users[0], status: 'happy', created_at: 'yesterday', payload: 'x' }, { ...invalid.users[0] }, { id: 'u-x', tenant_id: 'other' }, 'nope'],
        user_credentials: [{ ...invalid.user_credentials[0], payload: { hashed_password: { config: { method: 'sha', sha: { function: 'SHA-3', salt_length: 'x' } }, value: '' } } }],
        user_identifiers: [{ ...invalid.user_identifiers[0], identifier_lc: 'User28@Example.com' }],
        user_verifiable_addresses: [{ ...invalid.user_verifiable_addresses[0], verified: 'yes', type: 'fax' }],
      });
      await put('many-problems', { users: Array.from({ length: 60 }, (_, i) => ({ id: `bad-${i}` })) });
      await put('hash-variants', dump(
        entry(30, { hashed: { config: { method: 'argon2', argon2: { iterations: 3, memory_in_kb: 65536, parallelism: 1, key_length: 32, salt: '', salt_length: 0 } }, value: '$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA' } }),
        entry(31, { hashed: { config: { method: 'pbkdf2', pbkdf2: { function: 'sha512', number_of_iterations: 1000, key_length: 64, salt: 'c2FsdA==', salt_length: 4 } }, value: 'AAAA' } }),
        entry(32, { hashed: { config: { method: 'md5' }, value: 'AAAA' }, credential: { state: 'must_be_reset' } }),
      ));
      for (const id of ['u-0', 'u-1', 'u-10', 'u-11', 'u-missing']) await get(`get ${id}`, `${users}/${id}`);
      for (const [identifier, password] of [['user0@example.com', 'x'], ['bare@example.com', 'x'], ['nobody@example.com', 'x']]) {
        record(`login ${identifier}`, await emu.login(identifier as string, password as string));
      }
    });
    expect(lines).toMatchSnapshot();
  });

  it('switched options answer as recorded', async () => {
    const out: string[] = [];
    for (const options of [
      { requiredFields: 'docs' },
      { batchCap: 2, batchCapStatus: 400 },
      { reimportReplacesSubentries: false },
      { faults: { userFailureRate: 0.5, seed: 3 } },
    ] as CloudentityEmulatorInput[]) {
      out.push(
        ...(await transcript(options, async (put) => {
          const label = JSON.stringify(options);
          await put(label, { users: [{ id: 'min-1', user_pool_id: 'default-pool', tenant_id: 'default' }], user_identifiers: [{ id: 'min-i', user_id: 'min-1', identifier: 'Min@Example.com' }] });
          await put(label, many(3));
          await put(label, dump(entry(1, { email: 'moved@example.com' })));
          await put(label, many(2, 10));
        })),
      );
    }
    expect(out).toMatchSnapshot();
  });
});

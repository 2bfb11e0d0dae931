import { afterAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle, type CidaasEmulatorInput } from '../../src/emulators/cidaas/index.ts';
import { manualClock, normaliser } from './golden.ts';
import { call, cidaasToken } from './http.ts';

/**
 * Golden transcript of the cidaas emulator: every answer (status and body, keys in wire order),
 * the stored state and login verdicts for a corpus of ordinary and odd bulk users. Recorded once
 * from the reference implementation; any change in documented behaviour shows up as a diff.
 */

const BCRYPT = '$2b$04$abcdefghijklmnopqrstuuJ8Qb6cJ7e0q2rrVjm1zZ0Xvo3w6h8aW';
const SHA256_PASSWORD = '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8';

function adapterUser(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: `b${i}`,
    userStatus: 'VERIFIED',
    customFields: { customer_no: `C-${i}` },
    mfa_enabled: false,
    password_hash_info: { algorithmTypeId: 'BCRYPT_4', passwordHash: BCRYPT },
    createdTime: '2015-03-01T10:00:00Z',
    provider: 'self',
    email: `user.${i}@example.com`,
    email_verified: true,
    mobile_number: `+4917${10000000 + i}`,
    mobile_number_verified: false,
    given_name: `First${i}`,
    family_name: `Last${i}`,
    locale: 'de-DE',
    ...extra,
  };
}

const FIRST_BATCH: unknown[] = [
  adapterUser(1),
  adapterUser(2, { email: 'Mixed.Case@Example.COM', roles: ['USER'], groups: [{ sub: 'b2', groupId: 'G' }], lastLoggedInTime: '2024-11-02T08:12:00Z' }),
  { email: 'nosub@example.com', provider: 'self', given_name: 'NoSub', password: 'password' },
  {
    sub: 'multi',
    userStatus: 'VERIFIED',
    mfa_enabled: true,
    customFields: { customer_no: 'M-1', handle: 'multi_handle' },
    identities: [
      { sub: 'multi', email: 'm@example.com', provider: 'self', given_name: 'Multi', password_hash_info: { algorithmTypeId: 'SHA256', passwordHash: SHA256_PASSWORD } },
      { sub: 'multi', email: 'm@example.com', provider: 'facebook', providerUserId: 'fb-1', identityId: 'fixed-identity' },
    ],
  },
  { sub: 'sha-salted', email: 'salted@example.com', password_hash_info: { algorithmTypeId: 'SHA256', passwordHash: 'ab', hData: { salt: 'pepper' } } },
  { sub: 'bad-hdata', email: 'badh@example.com', password_hash_info: { algorithmTypeId: 'SHA256', passwordHash: 'ab', hData: { salt: 1 } } },
  { sub: 'pending', email: 'pending@example.com', userStatus: 'PENDING', need_reset_password: true },
  { sub: 'phone-only', mobile_number: '+4917612345678', provider: 'self' },
  { sub: 'username-only', username: 'JohnDoe', provider: 'self' },
  { sub: 'by-custom-username', customFields: { handle: 'only_handle' } },
  { sub: 'disabled-field', email: 'df@example.com', customFields: { customer_no: 'D', legacy_flag: true, loyalty: null } },
  adapterUser(3, { email: 'x@mailinator.com' }),
  adapterUser(4, { email: 'x@deep.sub.yopmail.com' }),
  adapterUser(5, { email: 'not an email' }),
  adapterUser(6, { email: 42 }),
  adapterUser(7, { mobile_number: '0176 123' }),
  adapterUser(8, { password_hash_info: { algorithmTypeId: 'ROT13', passwordHash: 'x' } }),
  adapterUser(9, { password_hash_info: { algorithmTypeId: 'BCRYPT_4', passwordHash: '' } }),
  adapterUser(10, { password_hash_info: 'nope' }),
  adapterUser(11, { userStatus: 'HAPPY' }),
  adapterUser(12, { customFields: { unknown_field: 1 } }),
  adapterUser(13, { customFields: { loyalty: 'three' } }),
  adapterUser(14, { customFields: 'nope' }),
  adapterUser(15, { sub: 'ANONYMOUS' }),
  adapterUser(16, { sub: '' }),
  adapterUser(17, { password: '' }),
  'not an object',
  { sub: 'bad-identities', identities: [] },
  { sub: 'bad-identities-2', identities: ['x'] },
  { sub: 'dup-email', email: 'user.1@example.com', provider: 'self' },
  { sub: 'dup-email-other-provider', email: 'user.1@example.com', provider: 'google' },
  adapterUser(1, { given_name: 'Again in the same batch' }),
  adapterUser(18, { email: null, mobile_number: null }),
  adapterUser(19, { password_hash_info: null, password: null, customFields: null }),
  { sub: 'hmac', email: 'hmac@example.com', password_hash_info: { algorithmTypeId: 'HMAC-SHA-256', passwordHash: 'ff', hData: { salt: 'k' } } },
  { sub: 'custom-algo', email: 'custom@example.com', password_hash_info: { algorithmTypeId: 'MY_ALGO', passwordHash: 'ff' } },
  { sub: 'no-provider', email: 'np@example.com', provider: '' },
];

const SECOND_BATCH: unknown[] = [
  adapterUser(1, { given_name: 'Changed', email: 'changed@example.com', customFields: { loyalty: 7 } }),
  { email: 'MIXED.CASE@example.com', provider: 'self', family_name: 'Matched' },
  { email: 'm@example.com', provider: 'facebook', nickname: 'fb-nick' },
  { sub: 'multi', identities: [{ email: 'm2@example.com', provider: 'google', providerUserId: 'g-1' }] },
  { sub: 'pending', userStatus: 'VERIFIED' },
  { sub: 'b2', userStatus: 'DELETED', email: 'Mixed.Case@Example.COM' },
  { sub: 'new-takes-old-email', email: 'user.1@example.com', provider: 'self' },
  { sub: 'phone-only', mobile_number: '+4917612345678', provider: 'self', password: 'second' },
  { sub: 'takes-phone', mobile_number: '+4917612345678', provider: 'self' },
];

const PLAIN_CLIENT = { clientId: 'plain', clientSecret: 'plain-secret', scopes: ['cidaas:bulk_user_create', 'cidaas:users_read'], migrationMode: false };

async function transcript(options: CidaasEmulatorInput, script: (step: Step) => Promise<void>): Promise<string[]> {
  const clock = manualClock();
  const emu = await startCidaasEmulator({ clock: clock.now, ...options });
  started.push(emu);
  const client = options.clients?.[0];
  const token = await cidaasToken(emu.url, client?.clientId, client?.clientSecret);
  const norm = normaliser();
  const lines: string[] = [];
  const record = (label: string, value: unknown): void => void lines.push(`${label} ${JSON.stringify(norm(value))}`);
  await script({
    emu,
    token,
    clock,
    record,
    async request(label, path, init = {}) {
      const r = await call(`${emu.url}${path}`, { token, ...init });
      record(label, { status: r.status, body: r.body });
      return r.body;
    },
  });
  // The per-route counters came later; the golden record keeps the counters it was made with.
  const { byRoute: _byRoute, ...stats } = emu.stats();
  record('stats', stats);
  record('state', (await call(`${emu.url}/_emulator/state`)).body);
  // `keys` was an index detail of the store, not part of what a stored user is.
  record('users', emu.users().map((u) => Object.fromEntries(Object.entries(u).filter(([k]) => k !== 'keys'))));
  return lines;
}

interface Step {
  emu: CidaasEmulatorHandle;
  token: string;
  clock: ReturnType<typeof manualClock>;
  record(label: string, value: unknown): void;
  request(label: string, path: string, init?: Parameters<typeof call>[1]): Promise<unknown>;
}

const started: CidaasEmulatorHandle[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

const SETUP: CidaasEmulatorInput = {
  customFields: {
    customer_no: { type: 'string' },
    loyalty: { type: 'number' },
    legacy_flag: { type: 'boolean', enabled: false },
    handle: { type: 'username' },
  },
  algorithms: { MY_ALGO: {} },
  clients: [
    { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['cidaas:bulk_user_create', 'cidaas:users_read', 'cidaas:userupdate', 'cidaas:users_write', 'cidaas:users_delete'], migrationMode: true },
    PLAIN_CLIENT,
  ],
};

describe('cidaas emulator golden transcript', () => {
  it('bulk import, upsert, views, updates and logins answer as recorded', async () => {
    const lines = await transcript({ ...SETUP, missingIdentifierMode: 'per-user' }, async ({ request, clock, emu, record }) => {
      await request('bulk-1', '/users-srv/user/bulk', { json: FIRST_BATCH });
      clock.advance(60_000);
      await request('bulk-2', '/users-srv/user/bulk', { json: SECOND_BATCH });
      const plain = await cidaasToken(emu.url, 'plain', 'plain-secret');
      for (const [label, body] of [
        ['plain-overwrite', [{ sub: 'b3x', email: 'sha-salted-other@example.com' }, { sub: 'sha-salted', password_hash_info: { algorithmTypeId: 'SHA1', passwordHash: 'cd' } }]],
        ['plain-profile', [{ sub: 'sha-salted', given_name: 'Profile only' }]],
      ] as const) {
        const r = await call(`${emu.url}/users-srv/user/bulk`, { token: plain, json: body });
        record(label, { status: r.status, body: r.body });
      }
      for (const sub of ['b1', 'multi', 'ANONYMOUS', 'missing', 'pending']) await request(`get-${sub}`, `/user-srv/users/${sub}`);
      await request('put', '/user-srv/users/b1', { method: 'PUT', json: { userData: { provider: 'self', given_name: 'Put', nickname: '' }, customFields: { customer_no: 'P-1' }, userStatus: 'DECLINED' } });
      await request('put-conflict', '/user-srv/users/b1', { method: 'PUT', json: { userData: { provider: 'self', email: 'salted@example.com' } } });
      await request('schedule', '/users-srv/user/unregister/scheduler/schedule/username-only', { method: 'POST' });
      await request('purge', '/users-srv/user/purge/hmac', { method: 'DELETE' });
      for (const [identifier, password, provider] of [
        ['changed@example.com', 'password-0'],
        ['NOSUB@example.com', 'password'],
        ['m@example.com', 'password'],
        ['m@example.com', 'wrong'],
        ['+4917612345678', 'second'],
        ['johndoe', 'x'],
        ['pending@example.com', 'x'],
        ['m2@example.com', 'password', 'google'],
        ['nobody@example.com', 'x'],
      ] as const) {
        record(`login ${identifier}`, await emu.login(identifier, password, provider));
      }
    });
    expect(lines).toMatchSnapshot();
  });

  it('request-level answers are recorded', async () => {
    const lines = await transcript(SETUP, async ({ request, emu, token, record }) => {
      await request('not-json', '/users-srv/user/bulk', { body: '{nope', headers: { 'content-type': 'application/json' } });
      await request('not-array', '/users-srv/user/bulk', { json: { sub: 'x' } });
      await request('empty', '/users-srv/user/bulk', { json: [] });
      await request('too-many', '/users-srv/user/bulk', { json: Array.from({ length: 1001 }, (_, i) => ({ sub: `s${i}`, email: `s${i}@example.com` })) });
      await request('no-identifier', '/users-srv/user/bulk', { json: [adapterUser(1), { sub: 'x', given_name: 'No id' }] });
      await request('no-token', '/users-srv/user/bulk', { json: [adapterUser(1)], token: 'bogus' });
      await request('before-thousand', '/_emulator/reset', { method: 'POST' });
      const r = await call(`${emu.url}/users-srv/user/bulk`, { token, json: Array.from({ length: 1000 }, (_, i) => adapterUser(i)) });
      const states = r.body.data.process_states as unknown[];
      record('thousand', { status: r.status, count: states.length, first: states[0], last: states[999], stored: emu.users().length });
      await request('reset', '/_emulator/reset', { method: 'POST' });
    });
    expect(lines).toMatchSnapshot();
  });

  it('switched modes answer as recorded', async () => {
    const out: string[] = [];
    for (const options of [
      { invalidEmailMode: 'request' },
      { envelope: 'top-level', stateField: 'status' },
      { strict50: true },
      { passwordOverwriteWithoutMigrationMode: 'keep-old', clients: [PLAIN_CLIENT] },
    ] as CidaasEmulatorInput[]) {
      out.push(
        ...(await transcript({ ...SETUP, ...options }, async ({ emu, token, record }) => {
          const bodies = [FIRST_BATCH.slice(0, 14), SECOND_BATCH];
          if (options.strict50 === true) bodies.push(Array.from({ length: 51 }, (_, i) => adapterUser(100 + i)), Array.from({ length: 50 }, (_, i) => adapterUser(100 + i)));
          for (const body of bodies) {
            const r = await call(`${emu.url}/users-srv/user/bulk`, { token, json: body });
            record(JSON.stringify(options), { status: r.status, body: r.body });
          }
        })),
      );
    }
    expect(out).toMatchSnapshot();
  });
});

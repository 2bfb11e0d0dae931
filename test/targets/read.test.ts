import { hashSync } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { CloudentityTarget } from '../../src/targets/cloudentity/config.ts';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator, type CloudentityEmulatorHandle } from '../../src/emulators/cloudentity/index.ts';
import { identify } from '../../src/hashes/index.ts';
import { User } from '../../src/model/index.ts';
import { CidaasAdapter, CloudentityAdapter, cloudentityUserId } from '../../src/targets/index.ts';
import type { ListedUser, ReadResult, TargetReader } from '../../src/targets/target.ts';
import { compareViews } from '../../src/verify/compare.ts';
import { call, cidaasToken, cloudentityToken } from '../emulators/http.ts';
import { fullUser, minimalUser, planned, send } from './fixtures.ts';

const NS = '6f1c0b1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const bcrypt = hashSync('correct horse battery', 4);
function hashOf(encoded: string) {
  const r = identify(encoded);
  if (!r.ok) throw new Error(r.reason);
  return r.hash;
}
const withHash = (u: User): User => ({ ...u, password: hashOf(bcrypt) }) as User;

/** What verify does per user: the adapter's payload, through the view, against the read. */
async function drift(reader: TargetReader, user: User) {
  const expected = reader.expect(user);
  if (expected.kind !== 'sent') throw new Error(expected.reason);
  const read: ReadResult = await reader.read(user.sourceId);
  if (read.kind !== 'found') return read.kind;
  return compareViews(expected.view, read.view);
}

async function listAll(reader: TargetReader): Promise<ListedUser[]> {
  const out: ListedUser[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await reader.list(cursor);
    if (page.kind !== 'page') throw new Error(page.kind);
    out.push(...page.users);
    if (page.next === undefined) return out;
    cursor = page.next;
  }
}

const users = (): User[] => [
  withHash(fullUser('full-1')),
  { ...fullUser('nopw-2'), phone: '+4917600000002' } as User,
  minimalUser('min-3', { phone: '+4917600000003', groups: ['g1', 'g2'], attributes: { customer_no: 'C-3' } }),
  User.parse({ sourceId: 'social-4', username: 'solo4', email: 'solo4@example.com', identities: [{ provider: 'google', providerUserId: 'g-4' }], name: { given: 'Solo' } }),
  ...Array.from({ length: 230 }, (_, i) => minimalUser(`bulk-${i}`)),
];

describe('cidaas read paths against the emulator', () => {
  let emu: CidaasEmulatorHandle;
  let adapter: CidaasAdapter;
  let reader: TargetReader;
  let token: string;
  beforeAll(async () => {
    emu = await startCidaasEmulator({
      customFields: { customer_no: { type: 'string' }, vip: { type: 'boolean' }, display_name: { type: 'string' } },
      scimMaxCount: 50,
    });
    adapter = new CidaasAdapter(
      CidaasTarget.parse({ kind: 'cidaas', baseUrl: emu.url, clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', displayNameField: 'display_name' }),
    );
    reader = adapter.reader();
    const outcomes = await send(adapter, users().map((u) => planned(u)));
    expect(outcomes.filter((o) => o.kind !== 'ok')).toEqual([]);
    token = await cidaasToken(emu.url);
  });
  afterAll(async () => {
    await adapter.close();
    await emu.close();
  });

  it('reads back every kind of user as written: names, identifiers, verified flags, groups, roles, custom fields, socials, MFA, reset flag', async () => {
    for (const u of users().slice(0, 4)) {
      const c = await drift(reader, u);
      expect(c, u.sourceId).toEqual({ drift: [], passwordUnconfirmed: u.sourceId === 'full-1' });
    }
  });

  it('names what was changed behind the tool\'s back, by field and kind; a purged user is absent', async () => {
    const put = await call(`${emu.url}/user-srv/users/full-1`, {
      method: 'PUT',
      token,
      json: { userData: { provider: 'self', family_name: 'Changed', email: 'other@example.com' }, customFields: { vip: false }, userStatus: 'DECLINED' },
    });
    expect(put.status).toBe(200);
    const c = await drift(reader, withHash(fullUser('full-1')));
    expect(typeof c === 'object' && c.drift.map((d) => [d.field, d.category])).toEqual([
      ['customFields.vip', 'attributes'],
      ['email', 'email'],
      ['family_name', 'names'],
      ['status', 'status'],
    ]);
    expect((await call(`${emu.url}/users-srv/user/purge/min-3`, { method: 'DELETE', token })).status).toBe(202);
    expect(await drift(reader, users()[2]!)).toBe('absent');
  });

  it('lists every user through SCIM pages capped by the server, with their login identifiers', async () => {
    const listed = await listAll(reader);
    expect(listed).toHaveLength(emu.users().length);
    expect(new Set(listed.map((u) => u.targetKey)).size).toBe(listed.length);
    expect(listed.find((u) => u.targetKey === 'bulk-7')?.identifiers).toEqual(['bulk-7@example.com']);
    expect(emu.stats().byStatus['200']).toBeGreaterThan(4);
  });

  it('a user the adapter refuses is expected as refused, with the reason', () => {
    const argon = hashOf('$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG');
    const e = reader.expect({ ...minimalUser('argon-1'), password: argon } as User);
    expect(e).toEqual({ kind: 'refused', reason: 'cidaas tenant has no algorithmTypeId configured for argon2id' });
  });
});

describe('Cloudentity read paths against the emulator', () => {
  let emu: CloudentityEmulatorHandle;
  let adapter: CloudentityAdapter;
  let reader: TargetReader;
  let token: string;
  const pool = (path = '') => `${emu.url}/api/identity/default/system/pools/default-pool${path}`;
  beforeAll(async () => {
    emu = await startCloudentityEmulator({ hashSemantics: { saltEncoding: 'base64' } });
    adapter = new CloudentityAdapter(
      CloudentityTarget.parse({ kind: 'cloudentity', baseUrl: emu.url, clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', tenantId: 'default', poolId: 'default-pool', namespace: NS, totp: 'credential' }),
    );
    reader = adapter.reader();
    await reader.open();
    const outcomes = await send(adapter, users().map((u) => planned(u)));
    expect(outcomes.filter((o) => o.kind !== 'ok')).toEqual([]);
    token = await cloudentityToken(emu.url);
  });
  afterAll(async () => {
    await adapter.close();
    await emu.close();
  });

  it('reads back every kind of user as written, password state and TOTP credential included', async () => {
    for (const u of users().slice(0, 4)) {
      const c = await drift(reader, u);
      expect(c, u.sourceId).toEqual({ drift: [], passwordUnconfirmed: u.sourceId === 'full-1' });
    }
  });

  it('names what was changed behind the tool\'s back; a deleted user is absent', async () => {
    const id = cloudentityUserId('full-1', NS);
    expect((await call(pool(`/users/${id}`), { method: 'PUT', token, json: { status: 'inactive', payload: { given_name: 'Other' } } })).status).toBe(200);
    expect((await call(pool(`/users/${id}/addresses/update`), { token, json: { address: 'full-1@example.com', status: 'active', verified: false } })).status).toBe(200);
    expect((await call(pool(`/users/${id}/password/state`), { method: 'PUT', token, json: { state: 'must_be_reset' } })).status).toBe(204);
    const c = await drift(reader, withHash(fullUser('full-1')));
    const fields = typeof c === 'object' ? c.drift.map((d) => d.field) : [];
    expect(fields).toEqual(expect.arrayContaining(['status', 'payload.given_name', 'payload.family_name', 'payload.email', 'address.email.verified', 'password']));
    expect(typeof c === 'object' && c.drift.find((d) => d.field === 'password')).toMatchObject({ expected: 'hash:bcrypt', actual: 'must-reset' });
    expect((await call(pool(`/users/${cloudentityUserId('min-3', NS)}`), { method: 'DELETE', token })).status).toBe(204);
    expect(await drift(reader, users()[2]!)).toBe('absent');
  });

  it('lists every user of the pool by id, 100 a page, with the legacy id and login identifiers', async () => {
    const listed = await listAll(reader);
    expect(listed).toHaveLength(emu.dump().users.length);
    expect(listed.map((u) => u.targetKey)).toEqual([...listed.map((u) => u.targetKey)].sort());
    const bulk = listed.find((u) => u.legacyId === 'bulk-3');
    expect(bulk).toEqual({ targetKey: cloudentityUserId('bulk-3', NS), legacyId: 'bulk-3', identifiers: ['bulk-3@example.com'] });
  });

  it('open() names a pool that does not exist', async () => {
    const other = new CloudentityAdapter(
      CloudentityTarget.parse({ kind: 'cloudentity', baseUrl: emu.url, clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', tenantId: 'default', poolId: 'nope', namespace: NS }),
    );
    await expect(other.reader().open()).rejects.toThrow(/identity pool nope not found/);
    await other.close();
  });
});

/**
 * What vendor sources cannot carry over is said per user (issue 31): a note the plan lists, or a
 * reject with its reason — never a silent drop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceConfig } from '../../src/config/source.ts';
import { createSource } from '../../src/sources/index.ts';
import type { RawRecord } from '../../src/model/raw-record.ts';

const FIXTURES = new URL('../fixtures/sources/', import.meta.url).pathname;

async function read(config: Record<string, unknown>): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of createSource(SourceConfig.parse(config), { baseDir: FIXTURES }).read()) out.push(r);
  return out;
}

const notesBy = (records: RawRecord[], key: string) =>
  Object.fromEntries(records.filter((r) => r.notes).map((r) => [String(r.data[key] ?? r.position), r.notes]));

describe('notes and rejects of vendor sources', () => {
  it('keycloak: required actions and a user-storage link are noted; a service account is a reject', async () => {
    const records = await read({ kind: 'keycloak', path: 'keycloak/export-dir' });
    expect(notesBy(records, 'username')).toEqual({
      grace: ['Keycloak required actions not carried over: UPDATE_PASSWORD'],
      ldapuser: [expect.stringMatching(/^Keycloak user from a user-storage provider \(federationLink f3c1e2d4-ldap-provider\)/)],
    });
    expect(records.filter((r) => r.error)).toEqual([
      { position: 'acme-users-2.json users[0]', data: {}, error: 'service account of client "billing", not a person: not migrated' },
    ]);
  });

  it('auth0: the database user the hash export has no hash for is noted, the social user is not', async () => {
    const records = await read({ kind: 'auth0', path: 'auth0/export.json.gz', passwordHashes: 'auth0/password-hashes-variants.ndjson' });
    expect(notesBy(records, 'sourceId')).toEqual({
      'auth0|65a000000000000000000003': ['Auth0 database user without a hash in the password-hash export: must reset'],
    });
  });

  it('cloudentity: an expired or must_be_reset credential is noted as a reset', async () => {
    const records = await read({ kind: 'cloudentity', path: 'cloudentity/tenant-dump-methods.json' });
    const noted = records.filter((r) => r.notes).map((r) => r.notes);
    expect(noted).toEqual([
      ['Cloudentity password credential expired or must_be_reset: must reset'],
      ['Cloudentity password credential expired or must_be_reset: must reset'],
    ]);
  });

  it("django: an unusable password ('!…') is noted; objects of other models are passed over", async () => {
    const records = await read({ kind: 'django', path: 'django/dumpdata.json' });
    expect(records).toHaveLength(4);
    expect(notesBy(records, 'username')).toEqual({ nopw: ["Django unusable password ('!…'): must reset"] });
    expect(records[0]?.data.groups).toEqual(['editors']);
  });

  it('kratos: the migration-hook user is noted', async () => {
    const records = await read({ kind: 'kratos', path: 'kratos/identities.json' });
    expect(notesBy(records, 'email')).toEqual({ 'hook@example.org': ['Kratos password migration hook: the password is in the legacy system, not in the file'] });
  });

  it('a vendor file with no user for the config stops with why, in the probe and in the read', async () => {
    const source = createSource(SourceConfig.parse({ kind: 'cloudentity', path: 'cloudentity/tenant-dump-methods.json', poolId: 'nope' }), { baseDir: FIXTURES });
    await expect(read({ kind: 'cloudentity', path: 'cloudentity/tenant-dump-methods.json', poolId: 'nope' })).rejects.toThrow(/has no users in pool "nope"/);
    await expect(source.probe?.()).resolves.toBeUndefined(); // the dump has users; the pool filter shows at read
    const dir = mkdtempSync(join(tmpdir(), 'vendor-notes-'));
    try {
      writeFileSync(join(dir, 'users.json'), '\n');
      const empty = createSource(SourceConfig.parse({ kind: 'auth0', path: join(dir, 'users.json') }));
      await expect(empty.probe?.()).rejects.toThrow(/source: no user records read: .*holds no Auth0 users/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

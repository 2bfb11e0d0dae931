/**
 * What the source removed is removed in the target, and a password that arrives after a forced
 * reset lifts it: a user loses a phone, a custom field and a social login between two runs, and
 * a user migrated without a password gets one. Checked on each emulator's stored state and with a
 * login, through the real CLI, under each unconfirmed re-import behaviour the emulators offer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashSync } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import type { CidaasEmulatorInput } from '../../src/emulators/cidaas/options.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import { CLOUDENTITY_SCOPES, type CloudentityEmulatorInput } from '../../src/emulators/cloudentity/options.ts';
import { cloudentityUserId } from '../../src/targets/index.ts';
import { runCli } from './helpers.ts';

const PASSWORD = 'correct horse battery';
const HASH = hashSync(PASSWORD, 4);
const NAMESPACE = '7a1c3e5f-2b4d-4a6c-8e0f-1a3b5c7d9e0f';
const client = { clientId: 'e2e-fields', clientSecret: 'e2e-fields-secret' };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };

/** u1 has everything; u2 has no password yet (a forced reset); u3 never changes. */
const BEFORE = [
  { id: 'u1', email: 'u1@example.com', phone: '+4917612340001', first: 'Ada', customer_no: 'C-1', hash: HASH, identities: [{ provider: 'google', providerUserId: 'g-1' }] },
  { id: 'u2', email: 'u2@example.com', first: 'Bob', customer_no: 'C-2' },
  { id: 'u3', email: 'u3@example.com', phone: '+4917612340003', first: 'Cy', customer_no: 'C-3', hash: HASH },
];
/** u1 lost its phone, its custom field and its Google login; u2's real hash arrived. */
const AFTER = [
  { id: 'u1', email: 'u1@example.com', first: 'Ada', hash: HASH },
  { id: 'u2', email: 'u2@example.com', first: 'Bob', customer_no: 'C-2', hash: HASH },
  BEFORE[2] as object,
];

const MAPPING = `mapping:
  fields:
    sourceId: id
    email: email
    phone: phone
    name.given: first
    identities: identities
  attributes:
    customer_no: customer_no
  password: { from: hash, format: auto }
`;

async function writeSource(file: string, users: readonly object[]): Promise<void> {
  await writeFile(file, `${users.map((u) => JSON.stringify(u)).join('\n')}\n`);
}

async function writeConfig(dir: string, source: string, target: string): Promise<string> {
  const file = path.join(dir, 'migration.yaml');
  await writeFile(
    file,
    `version: 1
name: e2e-fields
source: { kind: ndjson, path: ${JSON.stringify(source)} }
${MAPPING}target:
${target}
  clientId: \${E2E_CLIENT_ID}
  clientSecret: \${E2E_CLIENT_SECRET}
ledger: { kind: sqlite, path: ./ledger.sqlite }
`,
  );
  return file;
}

describe('removed fields and lifted resets (real CLI processes)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-fields-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cidaasModes: Array<{ label: string; emulator: CidaasEmulatorInput; target: string }> = [
    { label: 'merge re-imports, null unassigns', emulator: {}, target: '' },
    { label: 'merge re-imports, only "" unassigns', emulator: { bulkUnassign: 'empty' }, target: '  clearFieldsWith: empty\n' },
    { label: 'replacing re-imports', emulator: { bulkReimport: 'replace' }, target: '' },
  ];
  for (const mode of cidaasModes) {
    it(`cidaas (${mode.label}): the phone, custom field and social login are gone; the reset is lifted`, async () => {
      const emulator = await startCidaasEmulator({
        clients: [{ ...client, scopes: ['cidaas:bulk_user_create', 'cidaas:users_read', 'cidaas:users_write'], migrationMode: true }],
        customFields: { customer_no: { type: 'string' } },
        ...mode.emulator,
      });
      try {
        const work = await mkdtemp(path.join(dir, 'cidaas-'));
        const source = path.join(work, 'users.ndjson');
        await writeSource(source, BEFORE);
        const config = await writeConfig(work, source, `  kind: cidaas\n  baseUrl: ${emulator.url}\n${mode.target}`);
        const first = await runCli(['run', '-c', config], env);
        expect(first.code, first.stdout + first.stderr).toBe(0);
        const u1 = () => emulator.users().find((u) => u.sub === 'u1');
        expect(u1()?.identities.map((i) => i.provider).sort()).toEqual(['google', 'self']);
        expect(u1()?.identities.find((i) => i.provider === 'self')?.['mobile_number']).toBe('+4917612340001');
        expect(u1()?.customFields).toEqual({ customer_no: 'C-1' });
        expect(await emulator.login('u2@example.com', PASSWORD)).toMatchObject({ ok: false, reason: 'must reset' });

        await writeSource(source, AFTER);
        const second = await runCli(['run', '-c', config, '--json'], env);
        expect(second.code, second.stdout + second.stderr).toBe(0);
        expect(u1()?.identities.map((i) => i.provider)).toEqual(['self']);
        expect(u1()?.identities[0]).not.toHaveProperty('mobile_number');
        expect(u1()?.customFields).toEqual({});
        expect(await emulator.login('+4917612340001', PASSWORD)).toMatchObject({ ok: false, reason: 'unknown user' });
        expect(await emulator.login('u1@example.com', PASSWORD)).toEqual({ ok: true, sub: 'u1' });
        expect(await emulator.login('u2@example.com', PASSWORD)).toEqual({ ok: true, sub: 'u2' });
        // The untouched user is untouched.
        expect(emulator.users().find((u) => u.sub === 'u3')?.customFields).toEqual({ customer_no: 'C-3' });

        // Nothing is left to clear: a third run sends nothing.
        const third = await runCli(['run', '-c', config], env);
        expect(third.stdout).toContain('nothing to send: every user in the target is up to date');
      } finally {
        await emulator.close();
      }
    }, 120_000);
  }

  const ceModes: Array<{ label: string; emulator: CloudentityEmulatorInput }> = [
    { label: 'records replaced on re-import', emulator: {} },
    { label: 'records merged on re-import', emulator: { reimportRecords: 'merge' } },
  ];
  for (const mode of ceModes) {
    it(`Cloudentity (${mode.label}): the phone, custom field and social login are gone; the reset is lifted`, async () => {
      const emulator = await startCloudentityEmulator({ clients: [{ ...client, scopes: [...CLOUDENTITY_SCOPES] }], ...mode.emulator });
      try {
        const work = await mkdtemp(path.join(dir, 'cloudentity-'));
        const source = path.join(work, 'users.ndjson');
        await writeSource(source, BEFORE);
        const config = await writeConfig(
          work,
          source,
          `  kind: cloudentity\n  baseUrl: ${emulator.url}\n  tenantId: default\n  poolId: default-pool\n  namespace: ${NAMESPACE}\n`,
        );
        const first = await runCli(['run', '-c', config], env);
        expect(first.code, first.stdout + first.stderr).toBe(0);
        const id = cloudentityUserId('u1', NAMESPACE);
        const recordsOf = () => {
          const dump = emulator.dump();
          return {
            user: dump.users.find((u) => u.id === id),
            identifiers: dump.user_identifiers.filter((r) => r.user_id === id).map((r) => `${String(r['type'])}:${String(r['identifier'])}`).sort(),
          };
        };
        expect(recordsOf().identifiers).toEqual(['email:u1@example.com', 'federated:google:g-1', 'mobile:+4917612340001']);
        expect(recordsOf().user?.payload).toMatchObject({ customer_no: 'C-1', phone_number: '+4917612340001' });
        expect(await emulator.login('u2@example.com', PASSWORD)).toMatchObject({ ok: false, reason: 'must reset' });

        await writeSource(source, AFTER);
        const second = await runCli(['run', '-c', config], env);
        expect(second.code, second.stdout + second.stderr).toBe(0);
        expect(recordsOf().identifiers).toEqual(['email:u1@example.com']);
        expect(recordsOf().user?.payload).not.toHaveProperty('customer_no');
        expect(recordsOf().user?.payload).not.toHaveProperty('phone_number');
        expect((await emulator.login('u1@example.com', PASSWORD)).ok).toBe(true);
        expect(await emulator.login('u2@example.com', PASSWORD)).toMatchObject({ ok: true });
      } finally {
        await emulator.close();
      }
    }, 120_000);
  }
});

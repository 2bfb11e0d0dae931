/**
 * A partial `user.updated` — only `{id, email, first_name}` — changes those fields and nothing else:
 * the family name, the verified flag, the custom attribute, the TOTP credential and the password stay
 * as they were, on both targets. Before, the partial record was mapped as the whole user: every field
 * it lacked was wiped and the password replaced by a forced reset.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator, type CloudentityEmulatorHandle } from '../../src/emulators/cloudentity/index.ts';
import { runSyncInProcess, tempDir } from './harness.ts';

const TOTP = 'JBSWY3DPEHPK3PXP';

function config(dir: string, target: string): string {
  const file = path.join(dir, 'migration.yaml');
  writeFileSync(path.join(dir, 'users.csv'), 'id,email\n');
  writeFileSync(
    file,
    `version: 1
name: partial
source: { kind: csv, path: users.csv }
mapping:
  fields:
    sourceId: id
    email: email
    emailVerified: { from: email_verified, transform: boolean }
    name.given: first_name
    name.family: last_name
  attributes: { plan: plan }
  password: { from: pw_hash }
  totp: { from: totp_secret }
target:
${target}
ledger: { kind: sqlite, path: ${JSON.stringify(path.join(dir, 'ledger.sqlite'))} }
sync:
  inputs: [{ kind: file, path: events.ndjson, envelope: { kind: cloudevents, data: mapped } }]
`,
  );
  return file;
}

const ce = (id: string, type: string, seq: number, data: Record<string, unknown>) =>
  JSON.stringify({ specversion: '1.0', id, source: 'urn:legacy', type, subject: 'p1', sequence: String(seq).padStart(6, '0'), time: new Date().toISOString(), data });

async function replay(dir: string, file: string, lines: string[]): Promise<void> {
  writeFileSync(path.join(dir, 'events.ndjson'), lines.join('\n'));
  const run = await runSyncInProcess(file);
  try {
    const d = await run.handle.untilDrained(20);
    expect(d.stats).toMatchObject({ backlog: 0, dead: 0 });
  } finally {
    await run.close();
  }
}

describe('a partial user.updated leaves every other field and the password as they were', () => {
  let pw: string;
  let full: Record<string, unknown>;
  beforeAll(async () => {
    pw = await hash('the-password', 4);
    full = { id: 'p1', email: 'ada@example.com', email_verified: 'true', first_name: 'Ada', last_name: 'Lovelace', plan: 'gold', pw_hash: pw, totp_secret: TOTP };
  });

  describe('cidaas', () => {
    let emu: CidaasEmulatorHandle;
    beforeAll(async () => {
      emu = await startCidaasEmulator({ customFields: { plan: { type: 'string' } } });
    });
    afterAll(async () => emu.close());

    it('{id, email, first_name} changes the email and the given name, nothing else', async () => {
      const dir = tempDir('partial-cidaas');
      const file = config(dir, `  kind: cidaas\n  baseUrl: ${emu.url}\n  clientId: ciam-migrate\n  clientSecret: ciam-migrate-secret`);
      await replay(dir, file, [ce('e1', 'user.created', 1, full)]);
      await replay(dir, file, [ce('e2', 'user.updated', 2, { id: 'p1', email: 'augusta@example.com', first_name: 'Augusta' })]);
      const u = emu.users().find((x) => x.sub === 'p1')!;
      expect(u.identities[0]).toMatchObject({ email: 'augusta@example.com', given_name: 'Augusta', family_name: 'Lovelace', email_verified: true });
      expect(u.customFields.plan).toBe('gold');
      expect(await emu.login('augusta@example.com', 'the-password')).toMatchObject({ ok: true });
    });
  });

  describe('Cloudentity', () => {
    let emu: CloudentityEmulatorHandle;
    beforeAll(async () => {
      emu = await startCloudentityEmulator({ hashSemantics: { saltEncoding: 'base64' } });
    });
    afterAll(async () => emu.close());

    it('{id, email, first_name} changes the email and the given name; the TOTP credential and the password stay', async () => {
      const dir = tempDir('partial-ce');
      const file = config(
        dir,
        `  kind: cloudentity\n  baseUrl: ${emu.url}\n  clientId: ciam-migrate\n  clientSecret: ciam-migrate-secret\n  tenantId: default\n  poolId: default-pool\n  namespace: 6f1c0b1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f\n  totp: credential`,
      );
      await replay(dir, file, [ce('e1', 'user.created', 1, full)]);
      await replay(dir, file, [ce('e2', 'user.updated', 2, { id: 'p1', email: 'augusta@example.com', first_name: 'Augusta' })]);
      const dump = emu.dump();
      const user = dump.users?.find((u) => JSON.stringify(u).includes('Augusta'));
      expect(user, JSON.stringify(dump.users)).toBeDefined();
      expect(JSON.stringify(user)).toContain('Lovelace');
      expect(JSON.stringify(user)).toContain('gold');
      const creds = (dump.user_credentials ?? []).filter((c) => (c as { user_id?: string }).user_id === (user as { id?: string }).id);
      expect(creds.map((c) => (c as { type?: string }).type).sort()).toEqual(['password', 'totp']);
      expect(await emu.login('augusta@example.com', 'the-password')).toMatchObject({ ok: true });
    });
  });
});

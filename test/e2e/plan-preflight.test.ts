import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import type { PlanReport } from '../../src/engine/plan.ts';
import { call, cidaasToken } from '../emulators/http.ts';
import { runCli } from './helpers.ts';

/** 10 users: p0..p9; loyalty (a number) and score (text) on all, tier on the even ones. */
async function writeSource(dir: string): Promise<void> {
  const pw = await hash('pw', 4);
  const lines = ['id,email,first_name,loyalty,tier,score,pw_hash'];
  for (let i = 0; i < 10; i++) lines.push([`p${i}`, `p${i}@example.com`, `F${i}`, i * 10, i % 2 === 0 ? 'gold' : '', `s${i}`, pw].join(','));
  await writeFile(path.join(dir, 'users.csv'), `${lines.join('\n')}\n`);
}

async function writeConfig(dir: string, target: string): Promise<string> {
  const file = path.join(dir, 'migration.yaml');
  await writeFile(
    file,
    `version: 1
name: preflight
source: { kind: csv, path: ${JSON.stringify(path.join(dir, 'users.csv'))} }
mapping:
  fields: { sourceId: id, email: email, name.given: first_name }
  attributes:
    loyalty: { from: loyalty, transform: number }
    tier: tier
    score: score
  password: { from: pw_hash }
target:
${target}
ledger: { kind: sqlite, path: ${JSON.stringify(path.join(dir, 'ledger.sqlite'))} }
`,
  );
  return file;
}

type Problem = NonNullable<PlanReport['preflight']>['problems'][number];
const byKey = (p: PlanReport, key: string): Problem | undefined => p.preflight?.problems.find((x) => x.key === key);

describe('plan checks the target before anything is sent (real CLI process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-preflight-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('cidaas: a missing scope, custom fields missing, disabled or of another type, an unknown algorithmTypeId and a taken e-mail, each with its users', async () => {
    const emu = await startCidaasEmulator({
      clients: [
        { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['cidaas:users_read', 'cidaas:field_setup_read', 'cidaas:users_delete'] },
        { clientId: 'seeder', clientSecret: 'seeder-secret', scopes: ['cidaas:bulk_user_create'] },
      ],
      customFields: { tier: { type: 'string', enabled: false }, loyalty: { type: 'string' } },
    });
    try {
      const work = await mkdtemp(path.join(dir, 'cidaas-'));
      await writeSource(work);
      // Someone else already has p4's e-mail in the tenant.
      const seed = await call(`${emu.url}/users-srv/user/bulk`, { token: await cidaasToken(emu.url, 'seeder', 'seeder-secret'), json: [{ sub: 'someone-else', email: 'P4@example.com', provider: 'self' }] });
      expect(seed.status).toBe(200);
      const config = await writeConfig(work, `  kind: cidaas\n  baseUrl: ${emu.url}\n  clientId: ciam-migrate\n  clientSecret: ciam-migrate-secret\n  hashAlgorithms: { bcrypt: 'MYBCRYPT_{cost}' }`);
      const before = emu.stats();
      const out = await runCli(['plan', '-c', config, '--json']);
      expect(out.code).toBe(3);
      const plan = JSON.parse(out.stdout) as PlanReport;
      expect(byKey(plan, 'scope:cidaas:bulk_user_create')).toMatchObject({ severity: 'error', message: expect.stringMatching(/lacks scope cidaas:bulk_user_create/), remedy: expect.stringMatching(/Ask cidaas support/) });
      expect(byKey(plan, 'field-missing:score')).toMatchObject({ severity: 'error', users: 10 });
      expect(byKey(plan, 'field-disabled:tier')).toMatchObject({ severity: 'error', users: 5, message: expect.stringMatching(/skips its value without an error/) });
      expect(byKey(plan, 'field-type:loyalty')).toMatchObject({ severity: 'error', users: 10, message: expect.stringMatching(/type TEXT.*number/) });
      expect(byKey(plan, 'algorithm:MYBCRYPT_4')).toMatchObject({ severity: 'warning', users: 10 });
      expect(byKey(plan, 'identifier-taken')).toMatchObject({ severity: 'error', users: 1, message: expect.stringMatching(/p4 \(its e-mail belongs to target user someone-else\)/) });
      expect(plan.preflight?.problems.every((p) => !JSON.stringify(p).includes('@'))).toBe(true);
      // Read-only: nothing was created or changed.
      const after = emu.stats();
      expect([after.usersCreated, after.usersUpdated, after.usersDeleted]).toEqual([before.usersCreated, before.usersUpdated, before.usersDeleted]);

      const human = await runCli(['plan', '-c', config]);
      expect(human.stdout).toMatch(/ERROR \[10 users\]: custom field score does not exist/);
      expect(human.stdout).toMatch(/→ create score in cidaas Field Settings/);

      const requests = emu.stats().requests;
      const offline = await runCli(['plan', '-c', config, '--offline']);
      expect(offline.code).toBe(0);
      expect(offline.stdout).toContain('target checks: skipped (--offline)');
      expect(emu.stats().requests).toBe(requests);
    } finally {
      await emu.close();
    }
  });

  it('Cloudentity: a pool that does not exist; a payload schema that forbids or requires properties; a missing scope', async () => {
    const emu = await startCloudentityEmulator({
      pools: [{ id: 'strict-pool', payload_schema_id: 'strict' }],
      schemas: [
        {
          id: 'strict',
          schema: { type: 'object', properties: { email: { type: 'string' }, email_verified: { type: 'boolean' }, given_name: { type: 'string' }, family_name: { type: 'string' }, loyalty: { type: 'string' } }, required: ['family_name'], additionalProperties: false },
        },
      ],
      clients: [
        { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['manage_configuration', 'identity'] },
        { clientId: 'reader', clientSecret: 'reader-secret', scopes: ['identity'] },
      ],
    });
    try {
      const work = await mkdtemp(path.join(dir, 'ce-'));
      await writeSource(work);
      const target = (pool: string, client = 'ciam-migrate') =>
        `  kind: cloudentity\n  baseUrl: ${emu.url}\n  clientId: ${client}\n  clientSecret: ${client}-secret\n  tenantId: default\n  poolId: ${pool}\n  namespace: 2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d`;
      const missing = JSON.parse((await runCli(['plan', '-c', await writeConfig(work, target('nope')), '--json'])).stdout) as PlanReport;
      expect(byKey(missing, 'pool-missing')).toMatchObject({ severity: 'error', message: expect.stringMatching(/identity pool nope does not exist/) });

      const out = await runCli(['plan', '-c', await writeConfig(work, target('strict-pool')), '--json']);
      expect(out.code).toBe(3);
      const plan = JSON.parse(out.stdout) as PlanReport;
      expect(byKey(plan, 'schema-property:strict:tier')).toMatchObject({ severity: 'error', users: 5 });
      expect(byKey(plan, 'schema-property:strict:score')).toMatchObject({ severity: 'error', users: 10 });
      expect(byKey(plan, 'schema-required:strict:family_name')).toMatchObject({ severity: 'error', users: 10 });
      expect(byKey(plan, 'schema-type:strict:loyalty')).toMatchObject({ severity: 'error', users: 10 });

      const reader = JSON.parse((await runCli(['plan', '-c', await writeConfig(work, target('strict-pool', 'reader')), '--json'])).stdout) as PlanReport;
      expect(byKey(reader, 'scope:manage_configuration')).toMatchObject({ severity: 'error', message: expect.stringMatching(/run cannot import a single user/) });
    } finally {
      await emu.close();
    }
  });
});

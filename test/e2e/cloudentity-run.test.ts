/**
 * A bulk run into Cloudentity, killed and resumed: the import bodies are assembled on the staging
 * thread's pre-serialised records (`encode` on the staging thread) for fresh users and re-encoded from the ledger
 * for the users a killed run had in flight. Either way the pool must end with each user once, with
 * the deterministic record ids a re-import updates, and passwords that still verify.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_MAPPING_YAML } from '../../src/demo/sample.ts';
import { seededRandom } from '../../src/demo/random.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import { CLOUDENTITY_SCOPES } from '../../src/emulators/cloudentity/options.ts';
import { cloudentityUserId } from '../../src/targets/index.ts';
import { killRunsRepeatedly, runCli } from './helpers.ts';
import { writeLargeCsv } from './large-csv.ts';

const USERS = 20_000;
const KILLS = 3;
const NAMESPACE = '0f8d6c1e-3b7a-4e52-9d10-6a2b4c8e1f37';
const client = { clientId: 'e2e-ce-client', clientSecret: 'e2e-ce-secret' };

describe('bulk run into Cloudentity (real CLI processes)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-cloudentity-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`killed ${KILLS} times with imports in flight, the pool ends with every user once and their passwords`, async () => {
    const csvPath = path.join(dir, 'users.csv');
    const csv = await writeLargeCsv(csvPath, USERS);
    const emulator = await startCloudentityEmulator({ tenant: 'acme', pools: ['customers'], clients: [{ ...client, scopes: [...CLOUDENTITY_SCOPES] }], faults: { latencyMs: 20, jitterMs: 10 } });
    try {
      const config = path.join(dir, 'migration.yaml');
      await writeFile(
        config,
        `version: 1
name: e2e-cloudentity
source: { kind: csv, path: ${JSON.stringify(csvPath)} }
${SAMPLE_MAPPING_YAML}target:
  kind: cloudentity
  baseUrl: ${emulator.url}
  clientId: \${E2E_CE_CLIENT_ID}
  clientSecret: \${E2E_CE_CLIENT_SECRET}
  tenantId: acme
  poolId: customers
  namespace: ${NAMESPACE}
  batchSize: 50
ledger: { kind: sqlite, path: ./ledger.sqlite }
run: { concurrency: 4, leaseMs: 600000 }
`,
      );
      const env = { E2E_CE_CLIENT_ID: client.clientId, E2E_CE_CLIENT_SECRET: client.clientSecret };
      const random = seededRandom(20261207);
      // Each run dies at a random point of its quarter of the migration, with imports in flight.
      const kills = await killRunsRepeatedly(config, env, KILLS, () => emulator.stats().usersCreated, (k) => ({
        createdAtLeast: Math.floor((k + 0.2 + 0.6 * random()) * (USERS / (KILLS + 1))),
      }));
      expect(kills).toBe(KILLS);
      const final = await runCli(['run', '-c', config], env);
      expect(final.code, final.stderr).toBe(0);

      const dump = emulator.dump();
      expect(dump.users).toHaveLength(USERS);
      const ids = new Set(dump.users.map((u) => u.id));
      for (let i = 0; i < USERS; i++) expect(ids.has(cloudentityUserId(csv.idOf(i), NAMESPACE))).toBe(true);
      // Re-sent users were updated in place, never created a second time.
      expect(emulator.stats().usersCreated).toBe(USERS);
      const emails = dump.user_identifiers.filter((x) => x.type === 'email');
      expect(new Set(emails.map((x) => x.identifier)).size).toBe(USERS);
      const pick = seededRandom(7);
      for (let k = 0; k < 30; k++) {
        const i = Math.floor(pick() * USERS);
        expect((await emulator.login(csv.emailOf(i), csv.passwordOf(i), 'customers')).ok, csv.emailOf(i)).toBe(true);
      }
      expect((await emulator.login(csv.emailOf(0), 'wrong password', 'customers')).ok).toBe(false);
    } finally {
      await emulator.close();
    }
  }, 300_000);
});

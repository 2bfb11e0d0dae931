import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/demo/random.ts';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { killRunsRepeatedly, runCli, writeCidaasConfig } from './helpers.ts';
import { writeLargeCsv, type LargeCsv } from './large-csv.ts';

const client = { clientId: 'e2e-client', clientSecret: 'e2e-secret', scopes: ['cidaas:bulk_user_create'], migrationMode: true };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };
const customFields = { customer_no: { type: 'string' as const } };
const USERS = Number(process.env.RELIABILITY_USERS ?? 100_000);
const KILLS = Number(process.env.RELIABILITY_KILLS ?? 20);

/** Every source user is in the target exactly once, with its fields, and its password still verifies. */
async function expectTargetEqualsSource(emulator: CidaasEmulatorHandle, csv: LargeCsv, users: number): Promise<void> {
  const stored = emulator.users();
  expect(stored).toHaveLength(users);
  const bySub = new Map(stored.map((u) => [u.sub, u]));
  expect(bySub.size).toBe(users);
  const emails = new Set<string>();
  for (let i = 0; i < users; i++) {
    const u = bySub.get(csv.idOf(i));
    if (u === undefined) throw new Error(`user ${csv.idOf(i)} is missing from the target`);
    const identity: Record<string, unknown> = u.identities[0] ?? {};
    expect(identity['email']).toBe(csv.emailOf(i));
    expect(identity['given_name']).toBe(`Given${i}`);
    expect(u.customFields['customer_no']).toBe(`C-${i}`);
    expect(u.password?.kind === 'hash' && u.password.info.passwordHash).toBe(csv.hashOf(i).replace(/^\$2[xy]\$/, '$2b$'));
    emails.add(identity['email'] as string);
  }
  expect(emails.size).toBe(users);
  const random = seededRandom(3);
  for (let k = 0; k < 100; k++) {
    const i = Math.floor(random() * users);
    expect((await emulator.login(csv.emailOf(i), csv.passwordOf(i))).ok).toBe(true);
  }
}

describe('reliability: nothing lost, nothing duplicated (real CLI processes)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-reliability-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`survives ${KILLS} kill -9 at random moments across a ${USERS.toLocaleString('en-US')}-user migration`, async () => {
    const csvPath = path.join(dir, 'kill.csv');
    const csv = await writeLargeCsv(csvPath, USERS);
    const emulator = await startCidaasEmulator({ clients: [client], customFields, faults: { latencyMs: 15, jitterMs: 10 } });
    try {
      const config = await writeCidaasConfig(
        dir,
        csvPath,
        emulator.url,
        'run: { concurrency: 8, initialConcurrency: 4, leaseMs: 600000 }\n',
      );
      const random = seededRandom(20261123);
      // A run that only lived for a random time could finish the migration early on a fast machine
      // and leave kills unused. So the k-th run also dies once the target holds a random number of
      // users from the k-th of KILLS + 1 equal slices of the source: the kills spread across the
      // whole migration, and the last slice is left for the final run.
      const slice = USERS / (KILLS + 1);
      const kills = await killRunsRepeatedly(config, env, KILLS, () => emulator.stats().usersCreated, (k) => {
        // Kill anywhere from start-up through staging and delivery.
        const afterMs = 300 + Math.floor(random() * 2500);
        return { afterMs, createdAtLeast: Math.floor((k + random()) * slice) };
      });
      expect(kills).toBe(KILLS);
      const final = await runCli(['run', '-c', config], env);
      expect(final.code, final.stderr).toBe(0);
      await expectTargetEqualsSource(emulator, csv, USERS);
      // Re-sends after a kill are upserts by sub: nobody was created twice.
      expect(emulator.stats().usersCreated).toBe(USERS);
    } finally {
      await emulator.close();
    }
  }, 600_000);

  it('delivers every user through 10 % 5xx, 5 % 429, 2 % dropped connections and 2 % very slow responses', async () => {
    const users = 10_000;
    const csvPath = path.join(dir, 'faults.csv');
    const csv = await writeLargeCsv(csvPath, users);
    const emulator = await startCidaasEmulator({
      clients: [client],
      customFields,
      faults: {
        seed: 42,
        // 15 % faults, two thirds 5xx and one third 429.
        faultRate: 0.15,
        faultStatuses: [500, 502, 503, 500, 502, 503, 429, 429, 429],
        dropRate: 0.02,
        slowRate: 0.02,
        slowMs: 4000,
      },
    });
    try {
      const work = await mkdtemp(path.join(dir, 'faults-'));
      const config = await writeCidaasConfig(work, csvPath, emulator.url, 'run: { concurrency: 8, maxAttempts: 30 }\n');
      const cfgText = `${config}`;
      // Time out the very slow answers so they are retried while the emulator still applies them late.
      const { readFile, writeFile } = await import('node:fs/promises');
      await writeFile(cfgText, (await readFile(cfgText, 'utf8')).replace('  batchSize: 50', '  batchSize: 50\n  timeoutMs: 1000'));
      const out = await runCli(['run', '-c', config, '--json'], env);
      expect(out.code, out.stderr).toBe(0);
      const summary = JSON.parse(out.stdout) as { delivered: { retried: number; throttled: number } };
      expect(summary.delivered.retried).toBeGreaterThan(0);
      const stats = emulator.stats();
      expect(stats.injectedFaults + stats.dropped).toBeGreaterThan(0);
      expect(stats.rateLimited).toBeGreaterThan(0);
      await expectTargetEqualsSource(emulator, csv, users);
    } finally {
      await emulator.close();
    }
  }, 300_000);
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample, type SampleFiles } from '../../src/demo/sample.ts';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { runCli, startCli, writeCidaasConfig } from './helpers.ts';

const client = { clientId: 'e2e-client', clientSecret: 'e2e-secret' };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };
const scopes = ['cidaas:bulk_user_create'];
const customFields = { customer_no: { type: 'string' as const } };

describe('ciam-migrate run (CSV → cidaas emulator, real CLI process)', () => {
  let dir: string;
  let sample: SampleFiles;
  let valid: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-run-'));
    sample = await generateSample(path.join(dir, 'sample'), { users: 3000, seed: 7, bcryptCost: 4 });
    valid = sample.expected.records - sample.expected.invalid;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a second run sends nothing and reports every user unchanged', async () => {
    const emulator = await startCidaasEmulator({ clients: [{ ...client, scopes, migrationMode: true }], customFields });
    const work = await mkdtemp(path.join(dir, 'twice-'));
    try {
      const config = await writeCidaasConfig(work, sample.csvPath, emulator.url);
      const first = await runCli(['run', '-c', config, '--json'], env);
      expect(first.code).toBe(3); // finished, with invalid rows and refused users
      const s1 = JSON.parse(first.stdout) as { delivered: { created: number; dead: number }; staged: { rejected: number } };
      expect(s1.delivered.created + s1.delivered.dead).toBe(valid);
      expect(s1.delivered.dead).toBe(sample.expected.disposableEmail);
      expect(s1.staged.rejected).toBe(sample.expected.invalid);
      const afterFirst = emulator.stats();

      const second = await runCli(['run', '-c', config], env);
      // Not "every user is up to date": the invalid rows and the refused users are still there.
      expect(second.stdout).toContain(
        `nothing to send: ${(valid - sample.expected.disposableEmail).toLocaleString('en-US')} users are up to date in the target; ` +
          `${sample.expected.invalid} records were rejected (below); ${sample.expected.disposableEmail} users stay dead-lettered from earlier runs`,
      );
      expect(second.stdout).toMatch(new RegExp(`${(valid - sample.expected.disposableEmail).toLocaleString('en-US')} unchanged`));
      // The run checks its credentials (one token request) and makes no user call.
      const afterSecond = emulator.stats();
      expect(afterSecond.requests - afterFirst.requests).toBe(1);
      expect([afterSecond.usersCreated, afterSecond.usersUpdated, afterSecond.usersDeleted]).toEqual([
        afterFirst.usersCreated,
        afterFirst.usersUpdated,
        afterFirst.usersDeleted,
      ]);

      const status = await runCli(['status', '-c', config, '--json'], env);
      const st = JSON.parse(status.stdout) as { byState: Record<string, number> };
      expect(st.byState.synced).toBe(valid - sample.expected.disposableEmail);
      expect(st.byState.dead).toBe(sample.expected.disposableEmail);
    } finally {
      await emulator.close();
    }
  });

  it('after SIGINT mid-way, a second run finishes with no user created twice', async () => {
    const emulator: CidaasEmulatorHandle = await startCidaasEmulator({
      clients: [{ ...client, scopes, migrationMode: true }],
      customFields,
      faults: { latencyMs: 40 },
    });
    const work = await mkdtemp(path.join(dir, 'sigint-'));
    try {
      const config = await writeCidaasConfig(work, sample.csvPath, emulator.url, 'run: { concurrency: 2, initialConcurrency: 2 }\n');
      const run = startCli(['run', '-c', config], env);
      const deadline = Date.now() + 30_000;
      while (emulator.stats().requests < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      run.kill('SIGINT');
      const interrupted = await run.done;
      expect(interrupted.code).toBe(130);
      expect(interrupted.stdout).toContain(`Resume with: ciam-migrate run -c ${config}`);
      const partial = emulator.stats().usersCreated;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(valid);

      const resumed = await runCli(['run', '-c', config], env);
      expect(resumed.code).toBe(3);
      const stats = emulator.stats();
      const stored = emulator.users().length;
      expect(stored).toBe(valid - sample.expected.disposableEmail);
      expect(stats.usersCreated).toBe(stored); // every user created exactly once
      expect(stats.usersUpdated).toBe(0); // and none sent a second time
    } finally {
      await emulator.close();
    }
  });

  it('users log in on the target with their original passwords', async () => {
    const emulator = await startCidaasEmulator({ clients: [{ ...client, scopes, migrationMode: true }], customFields });
    const work = await mkdtemp(path.join(dir, 'login-'));
    try {
      const config = await writeCidaasConfig(work, sample.csvPath, emulator.url);
      await runCli(['run', '-c', config], env);
      const plaintexts = JSON.parse(await readFile(sample.plaintextsPath, 'utf8')) as Record<string, string>;
      const byId = new Map(emulator.users().map((u) => [u.sub, u]));
      let checked = 0;
      for (const [id, password] of Object.entries(plaintexts).slice(0, 40)) {
        const email = byId.get(id)?.identities[0]?.['email'];
        if (typeof email !== 'string' || email.endsWith('@mailinator.com')) continue;
        expect((await emulator.login(email, password)).ok).toBe(true);
        expect((await emulator.login(email, `${password}x`)).ok).toBe(false);
        checked++;
      }
      expect(checked).toBeGreaterThan(30);
    } finally {
      await emulator.close();
    }
  });
});

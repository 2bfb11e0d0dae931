/**
 * The run history and `retry` tell the truth: a run whose every user was refused says so, `retry`
 * never re-creates users that have left the source since they were refused, a run killed with -9
 * is not "running" forever, and `plan` estimates from what earlier runs measured (or says it is
 * guessing). Both targets, real CLI processes.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_MAPPING_YAML } from '../../src/demo/sample.ts';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import { CLOUDENTITY_SCOPES } from '../../src/emulators/cloudentity/options.ts';
import type { PlanReport } from '../../src/engine/plan.ts';
import type { LedgerStats } from '../../src/ledger/index.ts';
import { cloudentityUserId } from '../../src/targets/index.ts';
import { killRunsRepeatedly, runCli } from './helpers.ts';
import { writeLargeCsv } from './large-csv.ts';

const USERS = 200;
const LEFT = 50;
const NAMESPACE = '5c3e7a91-4d6f-4b8c-9e2a-3f5b7d9e1c2a';
const client = { clientId: 'e2e-retry', clientSecret: 'e2e-retry-secret' };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };
const CREDENTIALS = '  clientId: ${E2E_CLIENT_ID}\n  clientSecret: ${E2E_CLIENT_SECRET}\n';
const cidaasScopes = ['cidaas:bulk_user_create'];

function config(csv: string, target: string): string {
  return `version: 1
name: e2e-retry
source: { kind: csv, path: ${JSON.stringify(csv)} }
${SAMPLE_MAPPING_YAML}target:
${target}${CREDENTIALS}  batchSize: 50
ledger: { kind: sqlite, path: ./ledger.sqlite }
run: { concurrency: 2 }
`;
}

interface Case {
  name: string;
  /** A target that refuses every user, then one that takes them, on the same port. */
  refusing(): Promise<{ url: string; port: number; close(): Promise<void> }>;
  accepting(port: number): Promise<{ close(): Promise<void>; sourceIds(): string[] }>;
  target(url: string): string;
}

const cases: Case[] = [
  {
    name: 'cidaas',
    // A tenant without the custom field refuses every user that has one.
    refusing: () => startCidaasEmulator({ clients: [{ ...client, scopes: cidaasScopes, migrationMode: true }] }),
    accepting: async (port) => {
      const e = await startCidaasEmulator({ clients: [{ ...client, scopes: cidaasScopes, migrationMode: true }], customFields: { customer_no: { type: 'string' } }, port });
      return { close: () => e.close(), sourceIds: () => e.users().map((u) => u.sub) };
    },
    target: (url) => `  kind: cidaas\n  baseUrl: ${url}\n`,
  },
  {
    name: 'Cloudentity',
    refusing: () => startCloudentityEmulator({ clients: [{ ...client, scopes: [...CLOUDENTITY_SCOPES] }], faults: { userFailureRate: 1 } }),
    accepting: async (port) => {
      const e = await startCloudentityEmulator({ clients: [{ ...client, scopes: [...CLOUDENTITY_SCOPES] }], port });
      const ids = new Map(Array.from({ length: USERS }, (_, i) => [cloudentityUserId(`r${i}`, NAMESPACE), `r${i}`]));
      return { close: () => e.close(), sourceIds: () => e.dump().users.map((u) => ids.get(String(u.id)) ?? String(u.id)) };
    },
    target: (url) => `  kind: cloudentity\n  baseUrl: ${url}\n  tenantId: default\n  poolId: default-pool\n  namespace: ${NAMESPACE}\n`,
  },
];

describe('retry, run history and plan estimates (real CLI processes)', () => {
  let dir: string;
  let full: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-retry-'));
    full = path.join(dir, 'full.csv');
    await writeLargeCsv(full, USERS);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.name}: every user refused is said; retry skips the ${LEFT} users that left the source since`, async () => {
      const work = await mkdtemp(path.join(dir, `${c.name}-`));
      const csv = path.join(work, 'users.csv');
      await writeFile(csv, await readFile(full));
      const refusing = await c.refusing();
      const file = path.join(work, 'migration.yaml');
      await writeFile(file, config(csv, c.target(refusing.url)));

      // Nothing measured yet: plan's estimate is a guess, and says so.
      const guess = await runCli(['plan', '-c', file], env);
      expect(guess.stdout).toMatch(/a guess: no earlier run has measured this target/);

      const first = await runCli(['run', '-c', file], env);
      expect(first.code).toBe(3);
      expect(first.stdout).toContain(`no user reached the target: all ${USERS} users sent were refused`);
      expect(first.stdout).not.toContain('up to date');

      // The next export no longer has the last 50 users; the others are still refused.
      const lines = (await readFile(full, 'utf8')).trimEnd().split('\n');
      await writeFile(csv, `${lines.slice(0, lines.length - LEFT).join('\n')}\n`);
      const second = await runCli(['run', '-c', file], env);
      expect(second.code).toBe(3);
      expect(second.stdout).toContain(`nothing to send: 0 users are up to date in the target; ${USERS - LEFT} users stay dead-lettered from earlier runs`);
      await refusing.close();

      // The target is fixed; retry sends only the users the source still has.
      const accepting = await c.accepting(refusing.port);
      try {
        const retried = await runCli(['retry', '-c', file], env);
        expect(retried.stdout).toContain(`${USERS - LEFT} dead-lettered users are back in the queue`);
        expect(retried.stdout).toMatch(new RegExp(`${LEFT} dead-lettered users are no longer in the source \\(the full read of run #2 did not see them\\): not sent again`));
        expect(retried.code).toBe(3);
        const inTarget = accepting.sourceIds();
        expect(inTarget).toHaveLength(USERS - LEFT);
        for (let i = USERS - LEFT; i < USERS; i++) expect(inTarget).not.toContain(`r${i}`);

        // Plan now estimates from what the runs measured.
        const plan = JSON.parse((await runCli(['plan', '-c', file, '--json'], env)).stdout) as PlanReport;
        expect(plan.estimate.basis).toBe('measured');
        expect(plan.estimate.measuredRuns).toEqual(expect.arrayContaining([1]));
        expect((await runCli(['plan', '-c', file], env)).stdout).toMatch(/measured in run #\d+/);
      } finally {
        await accepting.close();
      }
    }, 300_000);
  }

  it('a run killed with -9 is marked interrupted by the next run, and the next run finishes the job', async () => {
    const emulator = await startCidaasEmulator({
      clients: [{ ...client, scopes: cidaasScopes, migrationMode: true }],
      customFields: { customer_no: { type: 'string' } },
      faults: { latencyMs: 150 },
    });
    try {
      const work = await mkdtemp(path.join(dir, 'killed-'));
      const csv = path.join(work, 'users.csv');
      await writeFile(csv, await readFile(full));
      const file = path.join(work, 'migration.yaml');
      await writeFile(file, config(csv, `  kind: cidaas\n  baseUrl: ${emulator.url}\n`));
      const killed = await killRunsRepeatedly(file, env, 1, () => emulator.stats().usersCreated, () => ({ createdAtLeast: 50 }));
      expect(killed).toBe(1);
      const before = JSON.parse((await runCli(['status', '-c', file, '--json'], env)).stdout) as LedgerStats;
      expect(before.runs[0]?.status).toBe('running');
      const next = await runCli(['run', '-c', file], env);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      const after = JSON.parse((await runCli(['status', '-c', file, '--json'], env)).stdout) as LedgerStats;
      expect(after.runs.map((r) => r.status)).toEqual(['completed', 'interrupted']);
      expect(emulator.users()).toHaveLength(USERS);
    } finally {
      await emulator.close();
    }
  }, 300_000);
});

/**
 * Legacy users that share an email (which `plan` already sees) are settled before anything is sent:
 * with `first-wins` the later ones are rejects naming the first, so Cloudentity, which refuses a
 * whole import for one taken identifier, never has to split a batch to find them. With `reject-all`
 * none of them is sent. Either way they are counted, named in the summary and exit with code 3.
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
import type { RunSummary } from '../../src/engine/run.ts';
import { runCli } from './helpers.ts';
import { writeLargeCsv } from './large-csv.ts';

const USERS = 10_000;
const SHARED = 339;
const NAMESPACE = '4b2d6f80-3c5e-4a7b-9d1f-2e4a6c8e0b1d';
const client = { clientId: 'e2e-dups', clientSecret: 'e2e-dups-secret' };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };
const CREDENTIALS = '  clientId: ${E2E_CLIENT_ID}\n  clientSecret: ${E2E_CLIENT_SECRET}\n';

/** User 29k+5 takes the email of user 29k+2, which comes earlier and keeps its own. */
const sharesAt = (i: number) => i % 29 === 5 && Math.floor(i / 29) < SHARED;

async function writeShared(full: string, out: string): Promise<void> {
  const [header, ...lines] = (await readFile(full, 'utf8')).trimEnd().split('\n');
  const shared = lines.map((line, i) => (sharesAt(i) ? line.replace(`,user.${i}@example.com,`, `,user.${i - 3}@example.com,`) : line));
  await writeFile(out, `${header}\n${shared.join('\n')}\n`);
}

function config(csv: string, target: string, policy: string): string {
  return `version: 1
name: e2e-dups
source: { kind: csv, path: ${JSON.stringify(csv)} }
${SAMPLE_MAPPING_YAML}target:
${target}${CREDENTIALS}  batchSize: 100
ledger: { kind: sqlite, path: ./ledger.sqlite }
run: { concurrency: 4, duplicateIdentifiers: ${policy} }
`;
}

describe(`${SHARED} users sharing an email in a ${USERS}-user export (real CLI processes)`, () => {
  let dir: string;
  let csv: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-dups-'));
    const full = path.join(dir, 'full.csv');
    await writeLargeCsv(full, USERS);
    csv = path.join(dir, 'shared.csv');
    await writeShared(full, csv);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('Cloudentity, first-wins: plan and run reject the later ones by name, and no batch is split', async () => {
    const emulator = await startCloudentityEmulator({ tenant: 'acme', pools: ['customers'], clients: [{ ...client, scopes: [...CLOUDENTITY_SCOPES] }] });
    try {
      const work = await mkdtemp(path.join(dir, 'ce-'));
      const file = path.join(work, 'migration.yaml');
      await writeFile(file, config(csv, `  kind: cloudentity\n  baseUrl: ${emulator.url}\n  tenantId: acme\n  poolId: customers\n  namespace: ${NAMESPACE}\n`, 'first-wins'));

      const plan = JSON.parse((await runCli(['plan', '-c', file, '--json'], env)).stdout) as PlanReport;
      expect(plan.actions.create).toBe(USERS - SHARED);
      expect(plan.actions.reject).toBe(SHARED);
      expect(plan.duplicateRejects).toBe(SHARED);
      expect(plan.rejects[0]?.reason).toMatch(/^email shared with legacy id r2 \(line 4\), which keeps it: would not be sent/);

      const out = await runCli(['run', '-c', file, '--json'], env);
      expect(out.code).toBe(3);
      const s = JSON.parse(out.stdout) as RunSummary;
      expect(s.bisectionCalls).toBe(0);
      expect(s.delivered.created).toBe(USERS - SHARED);
      expect(s.delivered.dead).toBe(0);
      expect(s.staged.rejected).toBe(SHARED);
      const reasons = new Map(s.rejects.map((r) => [r.sourceId, r.reason]));
      expect(reasons.get('r5')).toMatch(/^email shared with legacy id r2 \(line 4\), which keeps it: not sent/);
      expect(reasons.size).toBe(SHARED);
      expect(emulator.dump().users).toHaveLength(USERS - SHARED);

      const human = await runCli(['run', '-c', file], env);
      expect(human.code).toBe(3);
      expect(human.stdout).toMatch(/rejected records \(339\)/);
    } finally {
      await emulator.close();
    }
  }, 300_000);

  it('cidaas, reject-all: neither user of a shared email is sent', async () => {
    const emulator = await startCidaasEmulator({
      clients: [{ ...client, scopes: ['cidaas:bulk_user_create'], migrationMode: true }],
      customFields: { customer_no: { type: 'string' } },
    });
    try {
      const work = await mkdtemp(path.join(dir, 'cidaas-'));
      const file = path.join(work, 'migration.yaml');
      await writeFile(file, config(csv, `  kind: cidaas\n  baseUrl: ${emulator.url}\n`, 'reject-all'));
      const out = await runCli(['run', '-c', file, '--json'], env);
      expect(out.code).toBe(3);
      const s = JSON.parse(out.stdout) as RunSummary;
      expect(s.staged.rejected).toBe(2 * SHARED);
      expect(s.delivered.created).toBe(USERS - 2 * SHARED);
      expect(s.delivered.dead).toBe(0);
      expect(new Map(s.rejects.map((r) => [r.sourceId, r.reason])).get('r2')).toMatch(/^email shared with legacy id r5 \(line 7\): neither is sent/);
      expect(emulator.users()).toHaveLength(USERS - 2 * SHARED);
      expect(emulator.stats().usersFailed).toBe(0);
    } finally {
      await emulator.close();
    }
  }, 300_000);
});

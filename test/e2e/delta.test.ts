/**
 * The delta right before go-live, as a new user tries it: a 50k-user export is migrated, then 1 %
 * of the users change, 0.5 % leave the source and a few are added. The delta must go out in full
 * batches (a call per batch, not per handful of users), every DELETE must be counted as the call
 * it is, and the target must end up exactly like the source. Both targets, real CLI processes.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_MAPPING_YAML } from '../../src/demo/sample.ts';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import { CLOUDENTITY_SCOPES } from '../../src/emulators/cloudentity/options.ts';
import type { RunSummary } from '../../src/engine/run.ts';
import { cloudentityUserId } from '../../src/targets/index.ts';
import { runCli } from './helpers.ts';
import { writeLargeCsv } from './large-csv.ts';

const USERS = 50_000;
const CHANGED = 800;
const REMOVED = 250;
const ADDED = 100;
const BATCH = 100;
const NAMESPACE = '2c4e6a80-1b3d-4f5a-8c7e-9d0f1a2b3c4d';
const client = { clientId: 'e2e-delta', clientSecret: 'e2e-delta-secret' };
const CREDENTIALS = '  clientId: ${E2E_CLIENT_ID}\n  clientSecret: ${E2E_CLIENT_SECRET}\n';
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };

/** Which lines (0-based user index) change, leave, in the delta: spread over the whole export. */
const changedAt = (i: number) =>
  i % Math.floor(USERS / CHANGED) === 7 && i < Math.floor(USERS / CHANGED) * CHANGED;
const removedAt = (i: number) => i % Math.floor(USERS / REMOVED) === 3;

function config(csvPath: string, target: string): string {
  return `version: 1
name: e2e-delta
source: { kind: csv, path: ${JSON.stringify(csvPath)} }
${SAMPLE_MAPPING_YAML}${target}
ledger: { kind: sqlite, path: ./ledger.sqlite }
run: { concurrency: 4 }
`;
}

/** The export after the delta: changed first names, removed users, new users at the end. */
async function writeDelta(full: string, out: string): Promise<void> {
  const [header, ...lines] = (await readFile(full, 'utf8')).trimEnd().split('\n');
  const kept: string[] = [];
  lines.forEach((line, i) => {
    if (removedAt(i)) return;
    kept.push(changedAt(i) ? line.replace(`,Given${i},`, `,Changed${i},`) : line);
  });
  const template = lines[0] as string;
  for (let k = 0; k < ADDED; k++) {
    const i = USERS + k;
    kept.push(
      template
        .replace(/^r0,user\.0@/, `r${i},user.${i}@`)
        .replace(',+491710000000,', `,+4917${10_000_000 + i},`)
        .replace(',Given0,', `,Given${i},`)
        .replace(',C-0,', `,C-${i},`),
    );
  }
  await writeFile(out, `${header}\n${kept.join('\n')}\n`);
}

function summaryOf(stdout: string): RunSummary {
  return JSON.parse(stdout) as RunSummary;
}

/**
 * Loads the whole export, then runs the delta with deletes: checks what the summary says against
 * the calls the emulator counted on its bulk route and its delete route.
 */
async function loadThenDelta(
  o: {
    file: string;
    csv: string;
    fullCsv: string;
    stored: () => number;
    byRoute: () => Record<string, number>;
    bulkRoute: string;
    deleteRoute: string;
  },
  expected: { changed: number; removed: number; maxBulkCalls: number },
): Promise<void> {
  const first = await runCli(['run', '-c', o.file, '--json'], env);
  expect(first.code, first.stderr).toBe(0);
  expect(o.stored()).toBe(USERS);

  await writeDelta(o.fullCsv, o.csv);
  const before = o.byRoute();
  const delta = await runCli(['run', '-c', o.file, '--deletes', '--json'], env);
  expect(delta.code, delta.stderr).toBe(0);
  const after = o.byRoute();
  const calls = (route: string) => (after[route] ?? 0) - (before[route] ?? 0);
  const bulk = calls(o.bulkRoute);
  const deletes = calls(o.deleteRoute);
  const s = summaryOf(delta.stdout);
  expect(s.delivered.updated).toBe(expected.changed);
  expect(s.delivered.created).toBe(ADDED);
  expect(s.delivered.deleted).toBe(expected.removed);
  expect(bulk).toBeLessThanOrEqual(expected.maxBulkCalls);
  expect(deletes).toBe(expected.removed);
  // The summary counts every call the target got, each DELETE included.
  expect(s.delivered.calls).toBe(bulk + deletes);
}

describe('a delta of a 50k-user export (real CLI processes)', () => {
  let dir: string;
  let fullCsv: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-delta-'));
    fullCsv = path.join(dir, 'full.csv');
    await writeLargeCsv(fullCsv, USERS);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const changed = Array.from({ length: USERS }, (_, i) => i).filter(
    (i) => changedAt(i) && !removedAt(i),
  ).length;
  const removed = Array.from({ length: USERS }, (_, i) => i).filter(removedAt).length;
  const maxBulkCalls = Math.ceil((changed + ADDED) / BATCH) + 2;

  it(`cidaas: ${changed} changed and ${ADDED} new users go in at most ${maxBulkCalls} bulk calls, ${removed} deletes are ${removed} calls`, async () => {
    const emulator = await startCidaasEmulator({
      clients: [
        { ...client, scopes: ['cidaas:bulk_user_create', 'cidaas:users_delete'], migrationMode: true },
      ],
      customFields: { customer_no: { type: 'string' } },
      faults: { latencyMs: 5 },
    });
    try {
      const work = await mkdtemp(path.join(dir, 'cidaas-'));
      const csv = path.join(work, 'users.csv');
      await writeFile(csv, await readFile(fullCsv));
      const file = path.join(work, 'migration.yaml');
      await writeFile(
        file,
        config(
          csv,
          `target:\n  kind: cidaas\n  baseUrl: ${emulator.url}\n${CREDENTIALS}  batchSize: ${BATCH}`,
        ),
      );
      await loadThenDelta(
        {
          file,
          csv,
          fullCsv,
          stored: () => emulator.users().length,
          byRoute: () => emulator.stats().byRoute,
          bulkRoute: 'POST /users-srv/user/bulk',
          deleteRoute: 'DELETE /users-srv/user/purge/:sub',
        },
        { changed, removed, maxBulkCalls },
      );

      expect(emulator.users()).toHaveLength(USERS - removed + ADDED);
      const byId = new Map(emulator.users().map((u) => [u.sub, u]));
      for (let i = 0; i < USERS; i++) {
        const u = byId.get(`r${i}`);
        if (removedAt(i)) expect(u, `r${i} left the source`).toBeUndefined();
        else expect(u?.identities[0]?.['given_name']).toBe(changedAt(i) ? `Changed${i}` : `Given${i}`);
      }
    } finally {
      await emulator.close();
    }
  }, 300_000);

  it(`Cloudentity: ${changed} changed and ${ADDED} new users go in at most ${maxBulkCalls} imports, ${removed} deletes are ${removed} calls`, async () => {
    const emulator = await startCloudentityEmulator({
      tenant: 'acme',
      pools: ['customers'],
      clients: [{ ...client, scopes: [...CLOUDENTITY_SCOPES] }],
      faults: { latencyMs: 5 },
    });
    try {
      const work = await mkdtemp(path.join(dir, 'cloudentity-'));
      const csv = path.join(work, 'users.csv');
      await writeFile(csv, await readFile(fullCsv));
      const file = path.join(work, 'migration.yaml');
      await writeFile(
        file,
        config(
          csv,
          `target:\n  kind: cloudentity\n  baseUrl: ${emulator.url}\n${CREDENTIALS}  tenantId: acme\n  poolId: customers\n  namespace: ${NAMESPACE}\n  batchSize: ${BATCH}`,
        ),
      );
      await loadThenDelta(
        {
          file,
          csv,
          fullCsv,
          stored: () => emulator.dump().users.length,
          byRoute: () => emulator.stats().byRoute,
          bulkRoute: 'PUT /api/identity/:tid/configuration',
          deleteRoute: 'DELETE /api/identity/:tid/system/pools/:ipID/users/:userID',
        },
        { changed, removed, maxBulkCalls },
      );

      const dump = emulator.dump();
      expect(dump.users).toHaveLength(USERS - removed + ADDED);
      const byId = new Map(dump.users.map((u) => [u.id, u]));
      for (let i = 0; i < USERS; i++) {
        const u = byId.get(cloudentityUserId(`r${i}`, NAMESPACE));
        if (removedAt(i)) expect(u, `r${i} left the source`).toBeUndefined();
        else
          expect((u?.payload as Record<string, unknown> | undefined)?.['given_name']).toBe(
            changedAt(i) ? `Changed${i}` : `Given${i}`,
          );
      }
    } finally {
      await emulator.close();
    }
  }, 300_000);
});

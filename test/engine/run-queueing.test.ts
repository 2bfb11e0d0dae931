import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { CIDAAS_SCOPES, startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { runMigration } from '../../src/engine/run.ts';
import { SqliteLedger } from '../../src/ledger/index.ts';

const CLIENT = { clientId: 'queueing', clientSecret: 'queueing-secret' };
const USERS = 2000;

/**
 * A target that serves one call at a time and queues the rest never answers 429: more calls at
 * once only wait longer. The run must see that from the latencies and not push it to its ceiling.
 */
describe('a run against a target that queues calls instead of refusing them', () => {
  let dir: string;
  let emu: CidaasEmulatorHandle;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'queueing-'));
    const lines = Array.from({ length: USERS }, (_, i) => `q${i},user.${i}@example.com,First${i}`);
    await writeFile(path.join(dir, 'users.csv'), `id,email,first_name\n${lines.join('\n')}\n`);
    emu = await startCidaasEmulator({ clients: [{ ...CLIENT, scopes: [...CIDAAS_SCOPES], migrationMode: true }], faults: { capacity: 1, latencyMs: 20 } });
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(queueingTolerance: number) {
    const cfg = parseConfig(
      `version: 1
name: queueing
source: { kind: csv, path: ./users.csv }
mapping: { fields: { sourceId: id, email: email, name.given: first_name } }
target: { kind: cidaas, baseUrl: ${emu.url}, clientId: ${CLIENT.clientId}, clientSecret: ${CLIENT.clientSecret}, batchSize: 20 }
ledger: { kind: sqlite, path: ./ledger.sqlite }
run: { concurrency: 8, initialConcurrency: 2, queueingTolerance: ${queueingTolerance} }
`,
      path.join(dir, 'migration.yaml'),
      {},
    );
    const ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
    const { source, mapper, target } = await openPipeline(cfg, dir);
    // Calls at the target (served or waiting their turn), sampled through the run.
    const inFlight: number[] = [];
    const sampler = setInterval(() => inFlight.push(emu.stats().inFlight), 5);
    try {
      const summary = await runMigration({ config: cfg, ledger, source, mapper, target });
      const sorted = inFlight.sort((a, b) => a - b);
      return { summary, medianInFlight: sorted[Math.floor(sorted.length / 2)] ?? 0 };
    } finally {
      clearInterval(sampler);
      await target.close();
      ledger.close();
    }
  }

  it('holds concurrency near what the target serves, and still delivers everyone', async () => {
    const { summary, medianInFlight } = await run(2);
    expect(summary.delivered).toMatchObject({ created: USERS, dead: 0 });
    expect(summary.queueingWindows).toBeGreaterThan(0);
    // 20 ms a call when served alone: 8 at once would take 160 ms each, for no more users per second.
    // (Slow start may overshoot for a moment; what counts is where the run stays.)
    expect(medianInFlight).toBeLessThanOrEqual(4);
    expect(emu.users()).toHaveLength(USERS);
  }, 60_000);

  it('without the check (tolerance 0), the same target gets the whole ceiling', async () => {
    const { summary, medianInFlight } = await run(0);
    expect(summary.delivered).toMatchObject({ created: USERS, dead: 0 });
    expect(summary.queueingWindows).toBe(0);
    expect(summary.maxConcurrency).toBe(8);
    expect(medianInFlight).toBeGreaterThanOrEqual(6);
  }, 60_000);
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { runMigration } from '../../src/engine/run.ts';
import { SqliteLedger } from '../../src/ledger/index.ts';
import { useEngineRig, rigConfig } from './rig.ts';

const CLIENT = { clientId: 'queueing', clientSecret: 'queueing-secret' };
const USERS = 2000;

/**
 * A target that serves one call at a time and queues the rest never answers 429: more calls at
 * once only wait longer. The run must see that from the latencies and not push it to its ceiling.
 */
describe('a run against a target that queues calls instead of refusing them', () => {
  const rig = useEngineRig({ prefix: 'queueing', users: USERS, idPrefix: 'q', client: CLIENT, faults: { capacity: 1, latencyMs: 20 } });

  async function run(queueingTolerance: number) {
    const cfg = rigConfig(rig, {
      name: 'queueing',
      client: CLIENT,
      batchSize: 20,
      extra: `ledger: { kind: sqlite, path: ./ledger.sqlite }\nrun: { concurrency: 8, initialConcurrency: 2, queueingTolerance: ${queueingTolerance} }\n`,
    });
    const ledger = new SqliteLedger(path.join(rig.dir, 'ledger.sqlite'));
    const { source, mapper, target } = await openPipeline(cfg, rig.dir);
    // Calls at the target (served or waiting their turn), sampled through the run.
    const inFlight: number[] = [];
    const sampler = setInterval(() => inFlight.push(rig.emu.stats().inFlight), 5);
    try {
      const summary = await runMigration({ config: cfg, ledger, source, mapper, target });
      const sorted = inFlight.sort((a, b) => a - b);
      return { summary, medianInFlight: sorted[Math.floor(sorted.length / 2)] ?? 0 };
    } finally {
      clearInterval(sampler);
      await target.close();
      await ledger.close();
    }
  }

  it('holds concurrency near what the target serves, and still delivers everyone', async () => {
    const { summary, medianInFlight } = await run(2);
    expect(summary.delivered).toMatchObject({ created: USERS, dead: 0 });
    expect(summary.queueingWindows).toBeGreaterThan(0);
    // 20 ms a call when served alone: 8 at once would take 160 ms each, for no more users per second.
    // (Slow start may overshoot for a moment; what counts is where the run stays.)
    expect(medianInFlight).toBeLessThanOrEqual(4);
    expect(rig.emu.users()).toHaveLength(USERS);
  }, 60_000);

  it('without the check (tolerance 0), the same target gets the whole ceiling', async () => {
    const { summary, medianInFlight } = await run(0);
    expect(summary.delivered).toMatchObject({ created: USERS, dead: 0 });
    expect(summary.queueingWindows).toBe(0);
    expect(summary.maxConcurrency).toBe(8);
    expect(medianInFlight).toBeGreaterThanOrEqual(6);
  }, 60_000);
});

import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deliver, type DeliverTotals } from '../../src/engine/deliver.ts';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { prepareChunks } from '../../src/engine/prepare.ts';
import { ReadyQueue } from '../../src/engine/ready-queue.ts';
import { Stager } from '../../src/engine/stager.ts';
import { SqliteLedger } from '../../src/ledger/index.ts';
import { useEngineRig, rigConfig } from './rig.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const CLIENT = { clientId: 'memory', clientSecret: 'memory-secret' };
const USERS = 60;
const OWNER = 'memory-test';

/**
 * Users in flight are most of a run's memory (BENCHMARKS.md sessions 11–12): once the target has
 * answered for a batch and the ledger has it, nothing in delivery may keep its users alive, even
 * while the workers sit idle waiting for staging to hand over more.
 */
describe('delivery lets go of the users it has sent', () => {
  const rig = useEngineRig({ prefix: 'deliver-memory', users: USERS, idPrefix: 'm', client: CLIENT });

  it('holds no sent user while its workers wait for staging', async () => {
    const cfg = rigConfig(rig, { name: 'memory', client: CLIENT, batchSize: 10 });
    const ledger = new SqliteLedger(path.join(rig.dir, 'ledger.sqlite'));
    const { source, mapper, target } = await openPipeline(cfg, rig.dir);
    const encode = target.encode.bind(target);
    await ledger.acquire(OWNER);
    const runId = await ledger.beginRun('run');
    const ready = new ReadyQueue(1000);
    const stager = new Stager({ ledger, runId, handoff: { owner: OWNER, leaseMs: 60_000, ready } });

    // Staged the way a run stages; only weak references to what is sent stay here.
    const sent: Array<WeakRef<object>> = [];
    const stage = async () => {
      for await (const chunk of prepareChunks({ source, mapper, chunkSize: 20, encode })) {
        const payloads = chunk.encoded.map((e) => e?.payload);
        for (const p of payloads) if (p !== undefined) sent.push(new WeakRef(p));
        await stager.stage({ users: chunk.users, rejects: chunk.rejects, read: chunk.read, payloads });
      }
    };
    await stage();
    expect(sent).toHaveLength(USERS);

    let stagingDone = false;
    let totals: DeliverTotals | undefined;
    let allSettled: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (allSettled = resolve));
    const delivering = deliver({
      ledger,
      target,
      owner: OWNER,
      batchSize: 10,
      concurrency: { initial: 4, max: 4 },
      leaseMs: 60_000,
      retry: { maxAttempts: 3, backoffMs: () => 10 },
      producerDone: () => stagingDone,
      ready,
      onSettled: (_s, t) => {
        totals = t;
        if (t.users === USERS) allSettled();
      },
    });
    await settled;
    // The workers are idle now, polling for more staged users; let them reach that point.
    await new Promise((resolve) => setTimeout(resolve, 100));
    collectGarbage();
    expect(sent.filter((r) => r.deref() !== undefined)).toHaveLength(0);

    stagingDone = true;
    await delivering;
    expect(totals).toMatchObject({ created: USERS, dead: 0 });
    expect(rig.emu.users()).toHaveLength(USERS);
    await target.close();
    await ledger.close();
  }, 30_000);
});

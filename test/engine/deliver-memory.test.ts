import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { CIDAAS_SCOPES, startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { deliver, type DeliverTotals } from '../../src/engine/deliver.ts';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { prepareChunks } from '../../src/engine/prepare.ts';
import { ReadyQueue } from '../../src/engine/ready-queue.ts';
import { Stager } from '../../src/engine/stager.ts';
import { SqliteLedger } from '../../src/ledger/index.ts';

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
  let dir: string;
  let emu: CidaasEmulatorHandle;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deliver-memory-'));
    const lines = Array.from({ length: USERS }, (_, i) => `m${i},user.${i}@example.com,First${i}`);
    await writeFile(path.join(dir, 'users.csv'), `id,email,first_name\n${lines.join('\n')}\n`);
    emu = await startCidaasEmulator({ clients: [{ ...CLIENT, scopes: [...CIDAAS_SCOPES], migrationMode: true }] });
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds no sent user while its workers wait for staging', async () => {
    const cfg = parseConfig(
      `version: 1
name: memory
source: { kind: csv, path: ./users.csv }
mapping: { fields: { sourceId: id, email: email, name.given: first_name } }
target: { kind: cidaas, baseUrl: ${emu.url}, clientId: ${CLIENT.clientId}, clientSecret: ${CLIENT.clientSecret}, batchSize: 10 }
`,
      path.join(dir, 'migration.yaml'),
      {},
    );
    const ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
    const { source, mapper, target } = await openPipeline(cfg, dir);
    const encode = target.encodeForBulk?.bind(target);
    if (encode === undefined) throw new Error('the cidaas adapter encodes ahead');
    ledger.acquire(OWNER);
    const runId = ledger.beginRun('run');
    const ready = new ReadyQueue(1000);
    const stager = new Stager({ ledger, runId, handoff: { owner: OWNER, leaseMs: 60_000, ready } });

    // Staged the way a run stages; only weak references to what is sent stay here.
    const sent: Array<WeakRef<object>> = [];
    const stage = async () => {
      for await (const chunk of prepareChunks({ source, mapper, chunkSize: 20, encode })) {
        const payloads = chunk.encoded.map((e) => e?.payload);
        for (const p of payloads) if (p !== undefined) sent.push(new WeakRef(p));
        stager.stage({ users: chunk.users, rejects: chunk.rejects, read: chunk.read, payloads });
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
    expect(emu.users()).toHaveLength(USERS);
    await target.close();
    ledger.close();
  }, 30_000);
});

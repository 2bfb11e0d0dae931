import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { CIDAAS_SCOPES, startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { runMigration } from '../../src/engine/run.ts';
import { SqliteLedger } from '../../src/ledger/index.ts';
import { TargetAuthError } from '../../src/targets/errors.ts';

const CLIENT = { clientId: 'handoff', clientSecret: 'handoff-secret' };
const USERS = 3000;

/**
 * Staging hands new users to delivery in memory, leased in the ledger. These tests interrupt a run
 * in each of its two modes (staging on this thread, and on its own thread) and check that nothing
 * is left leased and that the next run completes with every user created exactly once.
 */
describe('runs that hand staged users straight to delivery', () => {
  let dir: string;
  let emu: CidaasEmulatorHandle;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'handoff-'));
    const lines = Array.from({ length: USERS }, (_, i) => `h${i},user.${i}@example.com,First${i}`);
    await writeFile(path.join(dir, 'users.csv'), `id,email,first_name\n${lines.join('\n')}\n`);
    emu = await startCidaasEmulator({ clients: [{ ...CLIENT, scopes: [...CIDAAS_SCOPES], migrationMode: true }], faults: { latencyMs: 20 } });
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (secret = CLIENT.clientSecret) =>
    parseConfig(
      `version: 1
name: handoff
source: { kind: csv, path: ./users.csv }
mapping: { fields: { sourceId: id, email: email, name.given: first_name } }
target: { kind: cidaas, baseUrl: ${emu.url}, clientId: ${CLIENT.clientId}, clientSecret: ${secret}, batchSize: 50 }
ledger: { kind: sqlite, path: ./ledger.sqlite }
run: { concurrency: 2, initialConcurrency: 1 }
`,
      path.join(dir, 'migration.yaml'),
      {},
    );

  async function run(threaded: boolean, abortAfterUsers?: number, failAfterCalls?: number, secret?: string) {
    const cfg = config(secret);
    const ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
    const { source, mapper, target } = await openPipeline(cfg, dir);
    if (failAfterCalls !== undefined) {
      // The target stops accepting the credentials mid-run: a fatal error, not a per-user one.
      let calls = 0;
      const original = target.upsertEncoded;
      target.upsertEncoded = (users) => {
        calls += 1;
        if (calls > failAfterCalls || original === undefined) return Promise.reject(new TargetAuthError('cidaas', 401, 'client credentials refused', 'ask for a new client secret'));
        return original.call(target, users);
      };
    }
    const abort = new AbortController();
    try {
      const summary = await runMigration({
        config: cfg,
        ledger,
        source,
        mapper,
        target,
        signal: abort.signal,
        ...(threaded ? { baseDir: dir } : {}),
        onDeliverProgress: (totals) => {
          if (abortAfterUsers !== undefined && totals.users >= abortAfterUsers) abort.abort();
        },
      });
      return { summary, stats: ledger.stats() };
    } finally {
      await target.close();
      ledger.close();
    }
  }

  it('counts every user once when this thread starts the file and the staging thread takes over', async () => {
    // Bad rows spread over the file, so some fall in each thread's part.
    // Big enough that the staging thread loads long before this thread is through the file.
    const N = 20_000;
    const lines = Array.from({ length: N }, (_, i) => (i % 500 === 7 ? `h${i},not-an-email,First${i}` : `h${i},user.${i}@example.com,First${i}`));
    await writeFile(path.join(dir, 'users.csv'), `id,email,first_name\n${lines.join('\n')}\n`);
    const { summary, stats } = await run(true);
    const bad = lines.filter((l) => l.includes('not-an-email')).length;
    expect(summary.staged).toMatchObject({ read: N, new: N - bad, rejected: bad });
    expect(summary.rejects.map((r) => r.position)).toHaveLength(bad);
    expect(new Set(summary.rejects.map((r) => r.position)).size).toBe(bad);
    expect(stats.byState).toMatchObject({ synced: N - bad, leased: 0, pending: 0 });
    const census = stats.runs[0]?.summary.census as { users: number; byFormat: Record<string, { users: number }> };
    expect(census.users).toBe(N - bad);
    expect(census.byFormat.none?.users).toBe(N - bad);
    expect(emu.users()).toHaveLength(N - bad);
  }, 60_000);

  for (const threaded of [false, true]) {
    it(`leaves nothing leased after an interruption, and resumes exactly (${threaded ? 'staging thread' : 'one thread'})`, async () => {
      const first = await run(threaded, 500);
      expect(first.summary.status).toBe('interrupted');
      expect(first.stats.byState.leased).toBe(0);
      const sentFirst = first.summary.delivered.created;
      expect(sentFirst).toBeGreaterThan(0);
      expect(sentFirst).toBeLessThan(USERS);

      const second = await run(threaded);
      expect(second.summary.status).toBe('completed');
      expect(second.stats.byState).toMatchObject({ synced: USERS, leased: 0, pending: 0 });
      expect(sentFirst + second.summary.delivered.created).toBe(USERS);
      expect(second.summary.delivered.updated).toBe(0);
      const subs = emu.users().map((u) => u.sub);
      expect(new Set(subs).size).toBe(USERS);
      expect(subs).toHaveLength(USERS);
    }, 60_000);
  }

  it('refused credentials stop the run before any call is made, with nothing left leased', async () => {
    await expect(run(true, undefined, undefined, 'not-the-secret')).rejects.toThrow(TargetAuthError);
    expect(emu.stats().requests).toBe(1);
    const ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
    const after = ledger.stats();
    ledger.close();
    expect(after.byState).toMatchObject({ leased: 0, synced: 0 });
    expect(after.runs[0]?.status).toBe('failed');

    const second = await run(true);
    expect(second.stats.byState).toMatchObject({ synced: USERS, leased: 0, pending: 0 });
  }, 60_000);

  it('stops reading the source when delivery fails for good, leaves nothing leased, and the next run completes', async () => {
    const N = 20_000;
    const lines = Array.from({ length: N }, (_, i) => `h${i},user.${i}@example.com,First${i}`);
    await writeFile(path.join(dir, 'users.csv'), `id,email,first_name\n${lines.join('\n')}\n`);
    await expect(run(true, undefined, 3)).rejects.toThrow(TargetAuthError);
    const ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'));
    const after = ledger.stats();
    ledger.close();
    expect(after.byState.leased).toBe(0);
    // Staging was stopped, not run to the end of the file.
    expect(after.byState.synced + after.byState.pending).toBeLessThan(N);
    expect(after.byState.synced).toBe(emu.users().length);

    const second = await run(true);
    expect(second.summary.status).toBe('completed');
    expect(second.stats.byState).toMatchObject({ synced: N, leased: 0, pending: 0 });
    expect(emu.users()).toHaveLength(N);
  }, 60_000);
});

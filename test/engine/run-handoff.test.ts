import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { runMigration } from '../../src/engine/run.ts';
import { SqliteLedger } from '../../src/ledger/index.ts';
import { TargetAuthError } from '../../src/targets/errors.ts';
import { useEngineRig, userRows, writeUsersCsv, rigConfig } from './rig.ts';

const CLIENT = { clientId: 'handoff', clientSecret: 'handoff-secret' };
const USERS = 3000;

/**
 * Staging hands new users to delivery in memory, leased in the ledger. These tests interrupt a run
 * in each of its two modes (staging on this thread, and on its own thread) and check that nothing
 * is left leased and that the next run completes with every user created exactly once.
 */
describe('runs that hand staged users straight to delivery', () => {
  const rig = useEngineRig({ prefix: 'handoff', users: USERS, idPrefix: 'h', client: CLIENT, faults: { latencyMs: 20 } });

  const config = (secret = CLIENT.clientSecret) =>
    rigConfig(rig, {
      name: 'handoff',
      client: { ...CLIENT, clientSecret: secret },
      batchSize: 50,
      extra: 'ledger: { kind: sqlite, path: ./ledger.sqlite }\nrun: { concurrency: 2, initialConcurrency: 1 }\n',
    });

  async function run(threaded: boolean, abortAfterUsers?: number, failAfterCalls?: number, secret?: string) {
    const cfg = config(secret);
    const ledger = new SqliteLedger(path.join(rig.dir, 'ledger.sqlite'));
    const { source, mapper, target } = await openPipeline(cfg, rig.dir);
    if (failAfterCalls !== undefined) {
      // The target stops accepting the credentials mid-run: a fatal error, not a per-user one.
      let calls = 0;
      const original = target.upsert;
      target.upsert = (users) => {
        calls += 1;
        if (calls > failAfterCalls) return Promise.reject(new TargetAuthError('cidaas', 401, 'client credentials refused', 'ask for a new client secret'));
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
        ...(threaded ? { baseDir: rig.dir } : {}),
        onDeliverProgress: (totals) => {
          if (abortAfterUsers !== undefined && totals.users >= abortAfterUsers) abort.abort();
        },
      });
      return { summary, stats: await ledger.stats() };
    } finally {
      await target.close();
      await ledger.close();
    }
  }

  it('counts every user once when this thread starts the file and the staging thread takes over', async () => {
    // Bad rows spread over the file, so some fall in each thread's part.
    // Big enough that the staging thread loads long before this thread is through the file.
    const N = 20_000;
    const lines = Array.from({ length: N }, (_, i) => (i % 500 === 7 ? `h${i},not-an-email,First${i}` : `h${i},user.${i}@example.com,First${i}`));
    await writeUsersCsv(rig.dir, lines);
    const { summary, stats } = await run(true);
    const bad = lines.filter((l) => l.includes('not-an-email')).length;
    expect(summary.staged).toMatchObject({ read: N, new: N - bad, rejected: bad });
    expect(summary.rejects.map((r) => r.position)).toHaveLength(bad);
    expect(new Set(summary.rejects.map((r) => r.position)).size).toBe(bad);
    expect(stats.byState).toMatchObject({ synced: N - bad, leased: 0, pending: 0 });
    const census = stats.runs[0]?.summary.census as { users: number; byFormat: Record<string, { users: number }> };
    expect(census.users).toBe(N - bad);
    expect(census.byFormat.none?.users).toBe(N - bad);
    expect(rig.emu.users()).toHaveLength(N - bad);
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
      const subs = rig.emu.users().map((u) => u.sub);
      expect(new Set(subs).size).toBe(USERS);
      expect(subs).toHaveLength(USERS);
    }, 60_000);
  }

  it('refused credentials stop the run before any call is made, with nothing left leased', async () => {
    await expect(run(true, undefined, undefined, 'not-the-secret')).rejects.toThrow(TargetAuthError);
    expect(rig.emu.stats().requests).toBe(1);
    const ledger = new SqliteLedger(path.join(rig.dir, 'ledger.sqlite'));
    const after = await ledger.stats();
    await ledger.close();
    expect(after.byState).toMatchObject({ leased: 0, synced: 0 });
    expect(after.runs[0]?.status).toBe('failed');

    const second = await run(true);
    expect(second.stats.byState).toMatchObject({ synced: USERS, leased: 0, pending: 0 });
  }, 60_000);

  it('stops reading the source when delivery fails for good, leaves nothing leased, and the next run completes', async () => {
    const N = 20_000;
    const lines = userRows(N, 'h');
    await writeUsersCsv(rig.dir, lines);
    await expect(run(true, undefined, 3)).rejects.toThrow(TargetAuthError);
    const ledger = new SqliteLedger(path.join(rig.dir, 'ledger.sqlite'));
    const after = await ledger.stats();
    await ledger.close();
    expect(after.byState.leased).toBe(0);
    // Staging was stopped, not run to the end of the file.
    expect(after.byState.synced + after.byState.pending).toBeLessThan(N);
    expect(after.byState.synced).toBe(rig.emu.users().length);

    const second = await run(true);
    expect(second.summary.status).toBe('completed');
    expect(second.stats.byState).toMatchObject({ synced: N, leased: 0, pending: 0 });
    expect(rig.emu.users()).toHaveLength(N);
  }, 60_000);
});

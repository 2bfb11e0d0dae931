/**
 * A target outage under a steady stream of changes: while the target refuses connections, answers
 * 5xx/429, resets them or lets calls time out, nothing is dead-lettered, the backlog shows in the
 * status and the metrics, and once the target is back every change reaches it at once.
 *
 * The outage lasts 5 minutes when CI=true (CIAM_SYNC_OUTAGE_SECONDS overrides it), 20 seconds
 * otherwise; it is split into the four kinds of failure.
 */
import { readFileSync } from 'node:fs';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { formatSyncStatus } from '../../src/stream/status.ts';
import { emulatorState, runSyncInProcess, startEmulator, tempDir, writeConfig } from './harness.ts';
import { MemoryInput } from './memory-input.ts';
import { cloudEvent, diffFinal, makeWorkload } from './workload.ts';
import { subjectResolver } from '../../src/stream/envelope/index.ts';
import { createMapper } from '../../src/mapping/index.ts';
import { parseSyncConfig } from '../../src/stream/config.ts';

const OUTAGE_S = Number(process.env.CIAM_SYNC_OUTAGE_SECONDS ?? (process.env.CI === 'true' ? 300 : 20));
const RATE = 50;
const WARM_S = 5;
const AFTER_S = 5;

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('target outage under a steady event stream', () => {
  let emu: CidaasEmulatorHandle;
  let proxy: TcpProxy;
  beforeAll(async () => {
    emu = await startEmulator();
    proxy = new TcpProxy(emu.port);
    await proxy.up();
  });
  afterAll(async () => {
    await proxy.down();
    await emu.close();
  });

  it(`${OUTAGE_S} s of refused connections, 5xx/429, resets and timeouts at ${RATE} events/s: 0 dead letters, the backlog visible, every change in the target afterwards`, async () => {
    const hashes = await Promise.all(['a', 'b'].map((p) => hash(`pw-${p}`, 4)));
    const total = RATE * (WARM_S + OUTAGE_S + AFTER_S);
    const wl = makeWorkload(total, Math.max(20, Math.round(total / 15)), hashes, 7);
    const dir = tempDir('sync-outage');
    const file = writeConfig(
      dir,
      proxy.url,
      `  inputs: [{ kind: file, path: unused.ndjson }]
  http: { port: 0 }
  pollMs: 10
`,
      '',
      `  kind: cidaas
  baseUrl: ${proxy.url}
  clientId: ciam-migrate
  clientSecret: ciam-migrate-secret
  timeoutMs: 1500`,
    );
    const { mapping } = parseSyncConfig(readFileSync(file, 'utf8'), file).migration;
    const input = new MemoryInput('stream', { kind: 'cloudevents', data: 'mapped' }, { subjectOf: subjectResolver(mapping, await createMapper(mapping)) });
    const run = await runSyncInProcess(file, process.env, [input]);
    let sent = 0;
    const t0 = Date.now();
    // Steady: as many events as RATE × elapsed time, one message each, in source order.
    let sending: Promise<unknown> = Promise.resolve();
    const publisher = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * RATE));
      const batch = wl.events.slice(sent, due);
      sent = due;
      if (batch.length > 0) sending = sending.then(() => input.send(...batch.map((e) => ({ body: cloudEvent(e) }))));
    }, 20);
    const at = (s: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + s * 1000 - Date.now())));
    const phase = OUTAGE_S / 4;
    const samples: { backlog: number; dead: number; up: number; metricsBacklog: number }[] = [];
    let sampler: NodeJS.Timeout | undefined;
    try {
      await at(WARM_S);
      const applied = (await run.handle.stats()).applied;
      expect(applied).toBeGreaterThan(0);
      sampler = setInterval(() => {
        void (async () => {
          const s = await run.handle.stats();
          const m = await (await fetch(`${run.handle.healthUrl!}/metrics`)).text();
          samples.push({ backlog: s.backlog, dead: s.dead, up: metric(m, 'ciam_sync_target_up'), metricsBacklog: metric(m, 'ciam_sync_backlog_events') });
        })().catch(() => undefined);
      }, Math.max(1_000, phase * 100));
      // 1. The emulator unreachable: connections refused, open ones reset.
      await proxy.down();
      await at(WARM_S + phase);
      await proxy.up();
      // 2. It answers, but only 500/502/503/429.
      emu.faults.faultStatuses = [500, 502, 503, 429];
      emu.faults.faultRate = 1;
      await at(WARM_S + 2 * phase);
      emu.faults.faultRate = 0;
      // 3. Connections reset without an answer (the call may have landed).
      emu.faults.dropRate = 1;
      await at(WARM_S + 3 * phase);
      emu.faults.dropRate = 0;
      // 4. No answer before the client's timeout.
      emu.faults.slowMs = 5_000;
      emu.faults.slowRate = 1;
      const midOutage = await run.handle.stats();
      const status = formatSyncStatus(midOutage);
      await at(WARM_S + OUTAGE_S);
      emu.faults.slowRate = 0;
      const recovered = Date.now();
      clearInterval(sampler);

      // During the outage: a growing backlog in status and metrics, the target reported down, no dead letter.
      expect(midOutage.dead).toBe(0);
      expect(midOutage.backlog).toBeGreaterThan(RATE * phase);
      expect(status).toMatch(/backlog {6}\d+ events/);
      expect(samples.length).toBeGreaterThan(3);
      expect(samples.every((s) => s.dead === 0)).toBe(true);
      expect(Math.max(...samples.map((s) => s.metricsBacklog))).toBeGreaterThan(RATE * phase);
      expect(samples.some((s) => s.up === 0)).toBe(true);

      await at(WARM_S + OUTAGE_S + AFTER_S);
      clearInterval(publisher);
      await sending;
      // The last few of the schedule.
      await input.send(...wl.events.slice(sent).map((e) => ({ body: cloudEvent(e) })));
      const d = await run.handle.untilDrained(50);
      const drainS = (Date.now() - recovered) / 1000;
      expect(d.stats).toMatchObject({ backlog: 0, dead: 0, heldDeletes: 0 });
      expect(d.stats.received).toBe(total);
      expect(diffFinal(wl.final, emulatorState(emu)).slice(0, 5)).toEqual([]);
      // Drained at once: the last probe interval (≤ 30 s) plus the backlog at full speed.
      expect(drainS).toBeLessThan(60 + AFTER_S);
      const m = await (await fetch(`${run.handle.healthUrl!}/metrics`)).text();
      expect(metric(m, 'ciam_sync_target_up')).toBe(1);
      expect(metric(m, 'ciam_sync_events_dead_total')).toBe(0);
    } finally {
      clearInterval(publisher);
      clearInterval(sampler);
      emu.faults.faultRate = 0;
      emu.faults.dropRate = 0;
      emu.faults.slowRate = 0;
      await run.close();
    }
  }, (OUTAGE_S + 180) * 1000);
});

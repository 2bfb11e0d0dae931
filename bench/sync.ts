/**
 * Event-stream sync figures: NATS JetStream → inbox → cidaas emulator (its own process).
 *   npx tsx bench/sync.ts [--events 200000] [--users 50000] [--rates 1000,5000] [--seconds 10] [--runs 3] [--main-thread-inbox]
 *   [--fetch 1000] [--ack-pending 50000] (the NATS input's batch and max_ack_pending: the sync holds up to that many events in memory)
 *   [--handoff N] (sync.handoffUsers: users applied from memory after their append; 0 sends all through claims)
 *   [--linger 2] (the NATS input's lingerMs) [--poll 5] (sync.pollMs)
 *   [--target cidaas|cloudentity]
 *   [--config-defaults] (none of the settings above, nor batchSize 1000 and concurrency 4: the config's defaults)
 * 1. throughput: a backlog of `events` CloudEvents over `users` users is published first, then the
 *    sync drains it; events/s = events applied (or coalesced) per second of draining. The target
 *    starts empty and must end holding each user once, at its last version (else exit code 1).
 * 2. latency at fixed rates: events are published at `rate`/s for `seconds` while the sync runs;
 *    lag = applied at the target minus the event's `time` (set when published); p50/p99.
 * A child process publishes (bench/publisher-process.ts): the backlog before the sync starts, the
 * fixed rates while it runs; so the CPU, busy times and RSS printed are the sync's. The sync runs
 * from the compiled build when it is up to date, as `ciam-migrate sync` does.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { EventLoopUtilization } from 'node:perf_hooks';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type * as InboxOpen from '../src/ledger/inbox/open.ts';
import type * as InboxSqlite from '../src/ledger/inbox/sqlite.ts';
import type * as InboxThreaded from '../src/ledger/inbox/threaded.ts';
import type { EventInbox } from '../src/ledger/inbox/inbox.ts';
import type * as StreamConfig from '../src/stream/config.ts';
import type * as Sync from '../src/stream/sync.ts';
import type * as Targets from '../src/targets/index.ts';
import { BENCH_CLOUDENTITY, BENCH_DIR, arg, loadModule, startEmulatorProcess, targetArg } from './lib.ts';

// The sync as users run it: the compiled build when it is up to date, else the sources.
const { openInbox } = await loadModule<typeof InboxOpen>('ledger/inbox/open');
const { SqliteInbox } = await loadModule<typeof InboxSqlite>('ledger/inbox/sqlite');
const { ThreadedSqliteInbox } = await loadModule<typeof InboxThreaded>('ledger/inbox/threaded');
const { parseSyncConfig } = await loadModule<typeof StreamConfig>('stream/config');
const { startSync } = await loadModule<typeof Sync>('stream/sync');
const { createTarget } = await loadModule<typeof Targets>('targets/index');

/** `--main-thread-inbox`: the config says `inbox: { thread: false }` (SQLite on the main thread); the default is the CLI's, its own thread. */
const mainThreadInbox = process.argv.includes('--main-thread-inbox');
/** Cloudentity applies changes through full-entry imports of at most 100 users each. */
const target = targetArg();
/** `--config-defaults`: the input and sync settings a user gets by not writing them (the tuning flags above are ignored). */
const configDefaults = process.argv.includes('--config-defaults');
/** The inbox as `ciam-migrate sync` opens it from the same config, with the same defaults (src/cli/sync.ts). */
const inboxOf = (cfg: StreamConfig.SyncContextConfig): EventInbox =>
  openInbox(cfg.inboxPath, { synchronous: cfg.sync.inbox?.synchronous ?? 'full', thread: cfg.sync.inbox?.thread ?? true });

const events = arg('events', 200_000);
const users = arg('users', 50_000);
const seconds = arg('seconds', 10);
const runs = arg('runs', 3);
const ratesArg = process.argv.indexOf('--rates');
const rates = (ratesArg >= 0 ? (process.argv[ratesArg + 1] ?? '') : '1000,5000').split(',').filter(Boolean).map(Number);
const servers = process.env.NATS_URL ?? '127.0.0.1:4222';

async function setup(tag: string, url: string) {
  const file = path.join(BENCH_DIR, `sync-${tag}.yaml`);
  const ledger = path.join(BENCH_DIR, `sync-${tag}.sqlite`);
  await mkdir(BENCH_DIR, { recursive: true });
  await writeFile(
    file,
    `version: 1
name: syncbench
source: { kind: csv, path: users-2000.csv }
mapping: { fields: { sourceId: id, email: email } }
target: { kind: ${target}, baseUrl: ${url}, clientId: ciam-migrate, clientSecret: ciam-migrate-secret${
      target === 'cloudentity' ? `, tenantId: ${BENCH_CLOUDENTITY.tenantId}, poolId: ${BENCH_CLOUDENTITY.poolId}, namespace: ${BENCH_CLOUDENTITY.namespace}` : ''
    } }
ledger: { kind: sqlite, path: ${JSON.stringify(ledger)} }
sync:
  inputs:
    - { kind: nats, servers: "${servers}", stream: ${tag.toUpperCase()}, subjects: ["${tag}.>"], durable: bench${
      configDefaults ? '' : `, batch: ${arg('fetch', 1000)}, maxAckPending: ${arg('ack-pending', 50000)}, lingerMs: ${arg('linger', 2)}`
    } }
${configDefaults ? '' : `  batchSize: 1000
  concurrency: ${arg('concurrency', 4)}
  initialConcurrency: ${arg('concurrency', 4)}
  pollMs: ${arg('poll', 5)}
`}${process.argv.includes('--handoff') ? `  handoffUsers: ${arg('handoff', 0)}\n` : ''}${mainThreadInbox ? '  inbox: { kind: sqlite, thread: false }\n' : ''}`,
  );
  const nc = await connect({ servers });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: tag.toUpperCase(), subjects: [`${tag}.>`] });
  const cfg = parseSyncConfig(await (await import('node:fs/promises')).readFile(file, 'utf8'), file);
  return {
    nc,
    cfg,
    async cleanup() {
      await jsm.streams.delete(tag.toUpperCase()).catch(() => undefined);
      await nc.close();
      for (const f of [file, ledger, `${ledger}-wal`, `${ledger}-shm`]) await rm(f, { force: true });
    },
  };
}

/** CPU profile of the drain phase only (BENCH_PROFILE=file.cpuprofile). */
async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * This process's RSS, now and at its highest until stop() (sampled every 50 ms). The events are
 * published by another process, so during a run this process's memory is the sync's, both threads.
 */
function sampleRss(): { stop(): { atStart: number; peak: number } } {
  const atStart = process.memoryUsage.rss();
  let peak = atStart;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return {
    stop() {
      clearInterval(timer);
      return { atStart, peak: Math.max(peak, process.memoryUsage.rss()) };
    },
  };
}

/** Counts inbox calls and time spent in them (BENCH_DEBUG=1). */
function instrument(inbox: InboxSqlite.SqliteInbox): Record<string, { calls: number; ms: number; items: number }> {
  const out: Record<string, { calls: number; ms: number; items: number }> = {};
  for (const name of ['append', 'claim', 'settle', 'settleAndClaim'] as const) {
    const orig = inbox[name].bind(inbox) as (...a: unknown[]) => Promise<unknown>;
    const rec = (out[name] = { calls: 0, ms: 0, items: 0 });
    (inbox as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
      const t = performance.now();
      const r = await orig(...a);
      rec.calls += 1;
      rec.ms += performance.now() - t;
      const arg = a[name.startsWith('settle') ? 1 : 0];
      rec.items += Array.isArray(arg) ? arg.length : Array.isArray(r) ? r.length : 0;
      return r;
    };
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
async function procCpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The local nats-server's pid, to report the broker's share of the 2 cores. */
async function natsServerPid(): Promise<number | undefined> {
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0')[0]?.endsWith('nats-server')) return Number(d);
  }
  return undefined;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function throughputRun(url: string, run: number): Promise<number> {
  const tag = `sb${Date.now().toString(36)}${run}`;
  const s = await setup(tag, url);
  const { versions } = await publishInChild({ servers, subject: `${tag}.users`, users, events });
  // Each run starts from an empty target, so that what it holds afterwards is this run's doing.
  await fetch(`${url}/_emulator/reset`, { method: 'POST' });
  const inbox = inboxOf(s.cfg);
  const calls = inbox instanceof SqliteInbox ? instrument(inbox) : {};
  const target = createTarget(s.cfg.migration.target);
  const profiler = process.env.BENCH_PROFILE ? await startProfile() : undefined;
  const cpu0 = process.cpuUsage();
  const others0 = await Promise.all([procCpuSeconds(emulatorPid), procCpuSeconds(natsPid)]);
  const elu0 = { main: performance.eventLoopUtilization(), inbox: inbox instanceof ThreadedSqliteInbox ? inbox.eventLoopUtilization() : undefined };
  const rss = sampleRss();
  const t0 = Date.now();
  const h = await startSync({ migration: s.cfg.migration, sync: s.cfg.sync, inbox, target });
  await h.untilDrained(50);
  const secs = (Date.now() - t0) / 1000;
  const { atStart: rssAtStart, peak: rssPeak } = rss.stop();
  const eluMain = performance.eventLoopUtilization(elu0.main).utilization;
  const eluInbox = inbox instanceof ThreadedSqliteInbox && elu0.inbox ? inbox.eventLoopUtilization(elu0.inbox).utilization : undefined;
  const others1 = await Promise.all([procCpuSeconds(emulatorPid), procCpuSeconds(natsPid)]);
  await profiler?.stop(process.env.BENCH_PROFILE ?? '');
  const st = await inbox.stats();
  const wrong = await usersNotAtFinalVersion(url, versions);
  if (wrong.length > 0 || st.dead > 0) {
    console.error(`  run ${run + 1}: ${wrong.length} users not at their last version (e.g. ${wrong.slice(0, 3).join(', ')}), ${st.dead} dead letters`);
    process.exitCode = 1;
  }
  await h.stop();
  await target.close();
  await inbox.close();
  await s.cleanup();
  const rate = (st.applied + st.skipped) / secs;
  if (process.env.BENCH_DEBUG) console.log(calls);
  const cpu = process.cpuUsage(cpu0);
  const cores = (cpu.user + cpu.system) / 1e6 / secs;
  const share = (i: number) => {
    const a = others0[i];
    const b = others1[i];
    return a === undefined || b === undefined ? '?' : ((b - a) / secs).toFixed(2);
  };
  console.log(
    `  throughput run ${run + 1}: ${st.applied + st.skipped} events in ${secs.toFixed(2)} s = ${Math.round(rate)} events/s ` +
      `(cores used: sync ${cores.toFixed(2)}, emulator ${share(0)}, nats-server ${share(1)}; busy: main thread ${eluMain.toFixed(2)}, inbox thread ${eluInbox?.toFixed(2) ?? '-'}; sync CPU ${Math.round((cores * secs * 1e6) / events)} µs/event; ` +
      `RSS ${Math.round(rssAtStart / 2 ** 20)} MB at the start, peak ${Math.round(rssPeak / 2 ** 20)} MB)`,
  );
  return rate;
}

/**
 * The users of `versions` (user number → last version published) that the target does not hold with
 * their last version's given name (`cloudEventBody` writes `G<version>`), or holds more than once.
 */
async function usersNotAtFinalVersion(url: string, versions: Map<number, number>): Promise<string[]> {
  // The cidaas emulator keeps e-mail and names on the user's own ("self") identity, Cloudentity's
  // in the user's payload (OIDC claim names).
  type Claims = { provider?: string; email?: string; given_name?: string };
  const state = (await (await fetch(`${url}/_emulator/state`)).json()) as { users: { identities?: Claims[]; payload?: Claims }[] };
  const held = new Map<string, unknown[]>();
  for (const u of state.users) {
    const claims = target === 'cidaas' ? u.identities?.find((i) => i.provider === 'self') : u.payload;
    const email = String(claims?.email);
    held.set(email, [...(held.get(email) ?? []), claims?.given_name]);
  }
  const wrong: string[] = [];
  for (const [u, v] of versions) {
    const names = held.get(`u${u}@example.com`) ?? [];
    if (names.length !== 1 || names[0] !== `G${v}`) wrong.push(`u${u}: ${names.length ? names.join('/') : 'missing'} instead of G${v}`);
  }
  if (state.users.length !== versions.size) wrong.push(`${state.users.length} users held for ${versions.size} published`);
  return wrong;
}

/**
 * Runs bench/publisher-process.ts (its own process: the CPU and memory measured here are the sync's);
 * returns how many events it published and, for a backlog, each user's last version.
 */
async function publishInChild(o: { servers: string; subject: string; users: number; rate?: number; seconds?: number; events?: number }): Promise<{ sent: number; versions: Map<number, number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'publisher-process.ts'), JSON.stringify(o)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const m = /SENT (\d+)/.exec(out);
  if (code !== 0 || !m?.[1]) throw new Error(`publisher exited with ${code}: ${out.slice(0, 2000)}`);
  const v = /VERSIONS (\S+)/.exec(out);
  return { sent: Number(m[1]), versions: new Map(v?.[1] ? (JSON.parse(v[1]) as [number, number][]) : []) };
}

/** Busy milliseconds of the main thread and of the inbox thread since `since`. */
function threadBusyMs(since: { main: EventLoopUtilization; inbox: EventLoopUtilization | undefined }, inbox: EventInbox): { main: number; inbox: number | undefined } {
  const main = performance.eventLoopUtilization(since.main);
  const other = inbox instanceof ThreadedSqliteInbox && since.inbox ? inbox.eventLoopUtilization(since.inbox) : undefined;
  return { main: main.active, inbox: other?.active };
}

async function latencyRun(url: string, rate: number, run: number): Promise<{ p50: number; p99: number; max: number }> {
  const tag = `sl${Date.now().toString(36)}${run}`;
  const s = await setup(tag, url);
  const inbox = inboxOf(s.cfg);
  const target = createTarget(s.cfg.migration.target);
  const lags: number[] = [];
  const cpu0 = process.cpuUsage();
  const elu0 = { main: performance.eventLoopUtilization(), inbox: inbox instanceof ThreadedSqliteInbox ? inbox.eventLoopUtilization() : undefined };
  const rss = sampleRss();
  const h = await startSync({ migration: s.cfg.migration, sync: s.cfg.sync, inbox, target, onApplied: (l) => lags.push(...l.changeMs) });
  const { sent } = await publishInChild({ servers, subject: `${tag}.users`, rate, seconds, users });
  await h.untilDrained(20);
  const mem = rss.stop();
  const busy = threadBusyMs(elu0, inbox);
  const cpu = process.cpuUsage(cpu0);
  await h.stop();
  await target.close();
  await inbox.close();
  await s.cleanup();
  const sorted = lags.sort((a, b) => a - b);
  const r = { p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
  // Per event, the sync's alone (the publisher has its own process).
  const perEvent = (ms: number | undefined) => (ms === undefined ? '-' : ((ms * 1000) / sent).toFixed(1));
  console.log(
    `  ${rate}/s run ${run + 1}: ${sent} events, lag p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms ` +
      `(busy µs per event: main thread ${perEvent(busy.main)}, inbox thread ${perEvent(busy.inbox)}; process CPU ${perEvent((cpu.user + cpu.system) / 1000)}; ` +
      `RSS ${Math.round(mem.atStart / 2 ** 20)} MB at the start, peak ${Math.round(mem.peak / 2 ** 20)} MB)`,
  );
  return r;
}

const emulator = await startEmulatorProcess(target === 'cidaas' ? { kind: 'cidaas', maxBatch: 1000 } : { kind: 'cloudentity' });
const emulatorPid = emulator.child.pid;
const natsPid = await natsServerPid();
console.log(`load before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores shared); inbox ${mainThreadInbox ? 'on the main thread' : 'on its own thread'}`);
const through: number[] = [];
for (let r = 0; r < runs; r++) through.push(await throughputRun(emulator.url, r));
const latency: Record<string, { p50: number; p99: number }> = {};
for (const rate of rates) {
  const rs: { p50: number; p99: number }[] = [];
  for (let r = 0; r < runs; r++) rs.push(await latencyRun(emulator.url, rate, r));
  latency[`${rate}/s`] = { p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)) };
}
await emulator.stop();
console.log(
  JSON.stringify(
    { events, users, runs, throughputEventsPerSecondMedian: Math.round(median(through)), latencyMsMedianOfRuns: latency, loadAfter: os.loadavg().map((x) => Number(x.toFixed(2))) },
    null,
    2,
  ),
);

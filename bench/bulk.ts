/**
 * End-to-end bulk throughput: CSV → mapping → ledger → cidaas emulator, each in its own process.
 *   npx tsx bench/bulk.ts [--users 1500000] [--batch 1000] [--concurrency 8] [--initial-concurrency 2]
 *     [--latency-ms 0] [--max-concurrency 0] [--capacity 0] [--rate-limit 0] [--ids sequential|uuid]
 *     [--queueing-tolerance 2] [--target cidaas|cloudentity] (Cloudentity: batches of 100 by default)
 * The migration is `ciam-migrate run` exactly as a user starts it (the compiled build when it is
 * up to date, see bin/build-state.js), so its peak RSS is the tool's own, not this script's.
 * Prints users/s, the ratio to the target's limit when one is set, 429 share and peak RSS.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunSummary } from '../src/engine/run.ts';
import type { ProgressPoint } from '../src/ledger/ledger.ts';
import { arg, BENCH_DIR, benchConfig, type BenchIds, startEmulatorProcess, targetArg, writeBenchCsv } from './lib.ts';

/** Cloudentity takes full-entry imports of at most 100 users. */
const target = targetArg();
const users = arg('users', 1_500_000);
const batch = arg('batch', target === 'cloudentity' ? 100 : 1000);
const concurrency = arg('concurrency', 8);
const initialConcurrency = arg('initial-concurrency', Math.min(2, concurrency));
const latencyMs = arg('latency-ms', 0);
const maxConcurrency = arg('max-concurrency', 0);
const rateLimit = arg('rate-limit', 0);
/** `--capacity N`: the emulator serves N calls at once and queues the rest (it never answers 429). */
const capacity = arg('capacity', 0);
const queueingTolerance = arg('queueing-tolerance', 2);
const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'ciam-migrate.js');
/** `--cpu-prof DIR`: a V8 CPU profile of every thread of the run, written into DIR when it ends. */
const cpuProfIndex = process.argv.indexOf('--cpu-prof');
const cpuProfDir = cpuProfIndex >= 0 ? path.resolve(process.argv[cpuProfIndex + 1] ?? 'profiles') : undefined;

/** `--ids uuid`: random legacy ids (see BenchIds); the default is sequential ones. */
const idsIndex = process.argv.indexOf('--ids');
const ids: BenchIds = idsIndex >= 0 && process.argv[idsIndex + 1] === 'uuid' ? 'uuid' : 'sequential';

const csv = path.join(BENCH_DIR, ids === 'uuid' ? `users-${users}-uuid.csv` : `users-${users}.csv`);
const ledgerFile = path.join(BENCH_DIR, `bench-${process.pid}.sqlite`);
const t0 = Date.now();
await writeBenchCsv(csv, users, ids);
console.log(`generated ${users.toLocaleString('en-US')} users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const faults = { latencyMs, maxConcurrency, capacity, rateLimit };
const emulator = await startEmulatorProcess(
  target === 'cidaas' ? { kind: 'cidaas', maxBatch: 1000, customFields: { customer_no: { type: 'string' } }, faults } : { kind: 'cloudentity', faults },
);
const { cpuSeconds: emulatorCpuAtStart, usersCreated: createdAtStart } = await emulator.stats();
const configFile = path.join(BENCH_DIR, `bench-${process.pid}.yaml`);
await writeFile(configFile, benchConfig(csv, emulator.url, ledgerFile, { concurrency, initialConcurrency, queueingTolerance }, batch, target));

// NODE_OPTIONS passes through, so a heap cap can be measured: NODE_OPTIONS=--max-old-space-size=128.
const profileFlags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
// BENCH_NODE_FLAGS: Node/V8 flags for the run process that NODE_OPTIONS refuses (e.g. --single-threaded-gc).
const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const spawnedAt = Date.now();
const child = spawn(process.execPath, [...extraFlags, ...profileFlags, CLI, 'run', '-c', configFile, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
process.once('exit', () => child.kill('SIGKILL'));
let out = '';
child.stdout.on('data', (d: Buffer) => (out += d.toString()));
const [code] = (await once(child, 'exit')) as [number | null];
// Wall time of the whole command, Node's start-up and the ledger's close included.
const processSeconds = (Date.now() - spawnedAt) / 1000;
const summary = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as RunSummary;
if (code !== 0) console.error(`ciam-migrate run exited with ${code}`);

// Throughput over time, as the run recorded it in its ledger (a point per second of delivery).
const db = new Database(ledgerFile, { readonly: true });
const points = (db.prepare('SELECT point FROM progress WHERE run_id = ? ORDER BY rowid').pluck().all(summary.runId) as string[]).map(
  (p) => JSON.parse(p) as ProgressPoint,
);
db.close();
const stats = await emulator.stats();
await emulator.stop();
if (!process.env.KEEP) for (const suffix of ['', '-wal', '-shm']) await rm(`${ledgerFile}${suffix}`, { force: true });
await rm(configFile, { force: true });

const sent = summary.delivered.created + summary.delivered.updated;
// The figure counts what the target holds, not only what the run says it delivered.
const targetCreated = stats.usersCreated - createdAtStart;
if (targetCreated !== sent) {
  console.error(`the emulator created ${targetCreated} users but the run reports ${sent} delivered`);
  process.exitCode = 1;
}
const done = (p: ProgressPoint) => p.created + p.updated;
// Steady state: the rate between a quarter and three quarters of the users, free of start-up and tail.
const q1 = points.find((p) => done(p) >= sent / 4);
const q3 = points.find((p) => done(p) >= (3 * sent) / 4);
const steadyRate = q1 && q3 && q3.t > q1.t ? ((done(q3) - done(q1)) * 1000) / (q3.t - q1.t) : undefined;
const rate = (sent * 1000) / summary.durationMs;
const limit =
  latencyMs > 0 && (maxConcurrency > 0 || capacity > 0)
    ? ((capacity > 0 ? capacity : maxConcurrency) * batch * 1000) / latencyMs
    : rateLimit > 0
      ? rateLimit * batch
      : undefined;
console.log(
  JSON.stringify(
    {
      target,
      users,
      ids,
      sent,
      targetCreated,
      seconds: Number((summary.durationMs / 1000).toFixed(2)),
      processSeconds: Number(processSeconds.toFixed(2)),
      firstCallSettledAfterMs: points[0]?.t,
      usersPerSecond: Math.round(rate),
      targetLimitUsersPerSecond: limit,
      ratioToLimit: limit ? Number((rate / limit).toFixed(3)) : undefined,
      steadyUsersPerSecond: steadyRate ? Math.round(steadyRate) : undefined,
      steadyRatioToLimit: limit && steadyRate ? Number((steadyRate / limit).toFixed(3)) : undefined,
      calls: stats.requests,
      share429: stats.requests ? Number((stats.rateLimited / stats.requests).toFixed(4)) : 0,
      maxConcurrencySeen: stats.maxConcurrencySeen,
      // The run's own view: most calls it had in flight, and windows in which it held back because calls queued.
      runMaxConcurrency: summary.maxConcurrency,
      queueingWindows: summary.queueingWindows,
      peakRssMb: summary.peakRssMb,
      // CPU per user sent, of the whole run process and of the emulator (which shares the cores).
      toolCpuMicrosPerUser: sent ? Math.round((summary.cpuSeconds * 1e6) / sent) : undefined,
      emulatorCpuMicrosPerUser: sent ? Math.round(((stats.cpuSeconds - emulatorCpuAtStart) * 1e6) / sent) : undefined,
      dead: summary.deadLetters,
    },
    null,
    2,
  ),
);

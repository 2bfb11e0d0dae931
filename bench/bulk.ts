/**
 * End-to-end bulk throughput: CSV → mapping → ledger → cidaas emulator (separate process).
 *   npx tsx bench/bulk.ts [--users 1500000] [--batch 1000] [--concurrency 8]
 *     [--latency-ms 0] [--max-concurrency 0] [--rate-limit 0]
 * Prints users/s, the ratio to the target's limit when one is set, 429 share and peak RSS.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { runMigration } from '../src/engine/run.ts';
import { openLedger } from '../src/ledger/index.ts';
import { openPipeline } from '../src/engine/pipeline.ts';
import { arg, BENCH_DIR, benchConfig, peakRssMb, startEmulatorProcess, writeBenchCsv } from './lib.ts';

const users = arg('users', 1_500_000);
const batch = arg('batch', 1000);
const concurrency = arg('concurrency', 8);
const latencyMs = arg('latency-ms', 0);
const maxConcurrency = arg('max-concurrency', 0);
const rateLimit = arg('rate-limit', 0);

const csv = path.join(BENCH_DIR, `users-${users}.csv`);
const ledgerFile = path.join(BENCH_DIR, `bench-${process.pid}.sqlite`);
const t0 = Date.now();
await writeBenchCsv(csv, users);
console.log(`generated ${users.toLocaleString('en-US')} users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const emulator = await startEmulatorProcess({ kind: 'cidaas', maxBatch: 1000, customFields: { customer_no: { type: 'string' } }, faults: { latencyMs, maxConcurrency, rateLimit } });
const configFile = path.join(BENCH_DIR, 'bench.yaml');
await writeFile(configFile, benchConfig(csv, emulator.url, ledgerFile, { concurrency, initialConcurrency: Math.min(2, concurrency) }, batch));
const config = await loadConfig(configFile);
const ledger = openLedger(config);
const { source, mapper, target } = await openPipeline(config, BENCH_DIR);
const started = Date.now();
let firstSettledMs: number | undefined;
const samples: Array<[number, number]> = [];
const summary = await runMigration({
  config,
  ledger,
  source,
  mapper,
  target,
  baseDir: BENCH_DIR,
  onDeliverProgress: (totals) => {
    firstSettledMs ??= Date.now() - started;
    samples.push([Date.now(), totals.users]);
  },
});
const seconds = (Date.now() - started) / 1000;
await target.close();
ledger.close();
const stats = await emulator.stats();
await emulator.stop();
if (!process.env.KEEP) for (const suffix of ['', '-wal', '-shm']) await rm(`${ledgerFile}${suffix}`, { force: true });

const sent = summary.delivered.created + summary.delivered.updated;
// Steady state: the rate between a quarter and three quarters of the users, free of start-up and tail.
const q1 = samples.find(([, u]) => u >= sent / 4);
const q3 = samples.find(([, u]) => u >= (3 * sent) / 4);
const steadyRate = q1 && q3 && q3[0] > q1[0] ? ((q3[1] - q1[1]) * 1000) / (q3[0] - q1[0]) : undefined;
const rate = sent / seconds;
const limit =
  latencyMs > 0 && maxConcurrency > 0
    ? (maxConcurrency * batch * 1000) / latencyMs
    : rateLimit > 0
      ? rateLimit * batch
      : undefined;
console.log(
  JSON.stringify(
    {
      users,
      sent,
      seconds: Number(seconds.toFixed(2)),
      firstCallSettledAfterMs: firstSettledMs,
      usersPerSecond: Math.round(rate),
      targetLimitUsersPerSecond: limit,
      ratioToLimit: limit ? Number((rate / limit).toFixed(3)) : undefined,
      steadyUsersPerSecond: steadyRate ? Math.round(steadyRate) : undefined,
      steadyRatioToLimit: limit && steadyRate ? Number((steadyRate / limit).toFixed(3)) : undefined,
      calls: stats.requests,
      share429: stats.requests ? Number((stats.rateLimited / stats.requests).toFixed(4)) : 0,
      maxConcurrencySeen: stats.maxConcurrencySeen,
      peakRssMb: peakRssMb(),
      dead: summary.deadLetters,
    },
    null,
    2,
  ),
);

/**
 * `ciam-migrate verify` against an emulator in its own process, after `ciam-migrate run` loaded it:
 *   npx tsx bench/verify.ts [--users 1000000] [--concurrency 16] [--target cidaas|cloudentity]
 *     [--read-limit 20] [--sample 3000] [--latency-ms 0] [--skip-full] [--repeat 1]
 * 1. a full verify of every user at the emulator's own speed (one read per user, plus the listing);
 * 2. a random sample (`--sample`) against the same emulator rate-limited to `--read-limit` calls/s:
 *    a full read at 20 calls/s would take 14 h for 1M users, which is what `--sample` is for; the
 *    figure is how close the adaptive reads stay to the limit.
 * Both are the CLI as users start it (its peak RSS is the tool's own). Prints the figures.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VerifyReport } from '../src/verify/report.ts';
import { arg, BENCH_DIR, benchConfig, startEmulatorProcess, targetArg, writeBenchCsv } from './lib.ts';

const target = targetArg();
const users = arg('users', 1_000_000);
const concurrency = arg('concurrency', 16);
const readLimit = arg('read-limit', 20);
const sample = arg('sample', 3000);
const latencyMs = arg('latency-ms', 0);
/** `--skip-full`: only the rate-limited sample (e.g. `--repeat 3` times, to see its spread). */
const skipFull = process.argv.includes('--skip-full');
const repeat = arg('repeat', 1);
const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'ciam-migrate.js');

const csv = path.join(BENCH_DIR, `users-${users}.csv`);
const ledgerFile = path.join(BENCH_DIR, `verify-${process.pid}.sqlite`);
const configFile = path.join(BENCH_DIR, `verify-${process.pid}.yaml`);
await writeBenchCsv(csv, users);
const emulator = await startEmulatorProcess(
  target === 'cidaas'
    ? {
        kind: 'cidaas',
        maxBatch: 1000,
        customFields: { customer_no: { type: 'string' } },
        faults: { latencyMs },
      }
    : { kind: 'cloudentity', faults: { latencyMs } },
);
await writeFile(
  configFile,
  benchConfig(
    csv,
    emulator.url,
    ledgerFile,
    { concurrency: 8, initialConcurrency: 2 },
    target === 'cidaas' ? 1000 : 100,
    target,
  ),
);

async function cli(args: string[]): Promise<{ code: number | null; out: string; seconds: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args, '-c', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CIAM_MIGRATE_LOG: 'warn' },
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, seconds: (Date.now() - started) / 1000 };
}

const report = (out: string) =>
  JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as VerifyReport;
const n = (x: number) => x.toLocaleString('en-US');

const load = await cli(['run']);
console.log(
  `loaded ${n(users)} users into the ${target} emulator in ${load.seconds.toFixed(1)} s (run exit ${load.code})`,
);

if (!skipFull) {
  const emuBefore = await emulator.stats();
  const full = await cli(['verify', '--json', '--concurrency', String(concurrency)]);
  const f = report(full.out);
  const emuAfter = await emulator.stats();
  console.log(
    `full verify: exit ${full.code}, ${n(f.counts.ok)} match / ${n(users)}; ${full.seconds.toFixed(1)} s wall (${f.durationMs / 1000} s in verify), ` +
      `${n(f.reads.calls)} reads in ${f.reads.seconds} s = ${n(f.reads.callsPerSecond)} calls/s, ${n(Math.round(users / full.seconds))} users/s overall, ` +
      `up to ${f.reads.maxConcurrency} in flight, ${n(f.reads.throttled)} throttled; listing ${n(f.listing.users)} users; peak RSS ${f.peakRssMb} MB; verify CPU ${f.cpuSeconds} s (${Math.round((f.cpuSeconds * 1e6) / users)} µs/user); ` +
      `emulator CPU ${(emuAfter.cpuSeconds - emuBefore.cpuSeconds).toFixed(1)} s`,
  );
}

await emulator.setFaults({ rateLimit: readLimit, burst: Math.max(1, Math.round(readLimit / 10)) });
for (let i = 0; i < repeat; i++) {
  const before429 = (await emulator.stats()).rateLimited;
  const limited = await cli([
    'verify',
    '--json',
    '--sample',
    String(sample),
    '--seed',
    String(i + 1),
    '--restart',
    '--concurrency',
    String(concurrency),
  ]);
  const l = report(limited.out);
  const stats = await emulator.stats();
  console.log(
    `sample of ${n(sample)} at ${readLimit} calls/s: exit ${limited.code}, ${n(l.sample?.read ?? 0)} read, ${n(l.reads.calls)} reads in ${l.reads.seconds} s = ` +
      `${l.reads.callsPerSecond} calls/s, ${l.reads.answeredPerSecond} answered/s = ${((l.reads.answeredPerSecond / readLimit) * 100).toFixed(1)} % of the limit, ${n(l.reads.throttled)} throttled (${((l.reads.throttled / Math.max(1, l.reads.calls)) * 100).toFixed(1)} %), ` +
      `peak RSS ${l.peakRssMb} MB; "${l.sample?.text ?? ''}"; emulator 429s ${n(stats.rateLimited - before429)}`,
  );
}

await emulator.stop();
if (!process.env.KEEP)
  for (const suffix of ['', '-wal', '-shm']) await rm(`${ledgerFile}${suffix}`, { force: true });
await rm(configFile, { force: true });

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import type { EmulatorStats } from '../src/emulators/shared/types.ts';
import { compiledModule } from '../bin/build-state.js';

export const BENCH_DIR = path.resolve(import.meta.dirname, 'out');

/**
 * A module of the tool as users run it: the compiled build when it is up to date (see
 * bin/build-state.js), else its TypeScript source. `rel` is its path under src/ without extension.
 */
export async function loadModule<T>(rel: string): Promise<T> {
  const url = compiledModule(`${rel}.js`) ?? new URL(`../src/${rel}.ts`, import.meta.url).href;
  return (await import(url)) as T;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export interface EmulatorProcess {
  url: string;
  /** The emulator's counters, and the CPU time its process has used so far (all threads). */
  stats(): Promise<EmulatorStats & { cpuSeconds: number }>;
  stop(): Promise<void>;
  /** Change the emulator's fault settings (rate limit, latency, …) from its next request on. */
  setFaults(faults: Record<string, number>): Promise<void>;
  child: ChildProcess;
}

export async function startEmulatorProcess(options: Record<string, unknown>): Promise<EmulatorProcess> {
  // The emulator keeps every user in memory (~1 KB each): give it room for large runs, and keep the
  // benchmark's own NODE_OPTIONS (e.g. a heap cap under test) away from it.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const heapMb = Math.max(4096, Math.ceil(arg('users', 0) / 1000) + 2048);
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', path.join(import.meta.dirname, 'emulator-process.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env,
  });
  // Never leave an emulator behind when the benchmark dies.
  process.once('exit', () => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return {
    url,
    child,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => {
          const { stats, cpuSeconds } = m as { stats: EmulatorStats; cpuSeconds: number };
          resolve({ ...stats, cpuSeconds });
        });
        child.send('stats');
      }),
    setFaults: (faults) =>
      new Promise((resolve) => {
        child.once('message', () => resolve());
        child.send({ faults });
      }),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * Legacy ids: `sequential` (b0, b1, …: each chunk of users lands on a few adjacent ledger pages) or
 * `uuid` (random, as Keycloak, Cognito, Auth0 or Firebase export them: every user of a chunk lands
 * on a page of its own, the ledger's worst case).
 */
export type BenchIds = 'sequential' | 'uuid';

/** A UUID-shaped id that depends only on `i`, so reruns stage the same users. */
export function benchUuid(i: number): string {
  const h = createHash('sha256').update(`user-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A CSV of `n` users; passwords are a handful of precomputed bcrypt hashes (hashing is not under test). */
export async function writeBenchCsv(file: string, n: number, ids: BenchIds = 'sequential'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const hashes = await Promise.all(Array.from({ length: 8 }, (_, i) => bcryptHash(`password-${i}`, 4)));
  const out = createWriteStream(file);
  out.write('id,email,email_verified,phone,first_name,last_name,locale,created_at,customer_no,password_hash\n');
  for (let i = 0; i < n; i++) {
    const line = `${ids === 'uuid' ? benchUuid(i) : `b${i}`},user.${i}@example.com,true,+4917${String(10000000 + (i % 89999999))},First${i % 100},Last${i % 1000},de-DE,2015-03-01T10:00:00Z,C-${i},${hashes[i % 8]}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export type BenchTarget = 'cidaas' | 'cloudentity';

/** `--target cloudentity` picks the Cloudentity emulator; the default is cidaas. */
export function targetArg(): BenchTarget {
  const i = process.argv.indexOf('--target');
  return i >= 0 && process.argv[i + 1] === 'cloudentity' ? 'cloudentity' : 'cidaas';
}

/** The Cloudentity emulator's default tenant and pool, and a namespace fixed for the benchmarks' record ids. */
export const BENCH_CLOUDENTITY = { tenantId: 'default', poolId: 'default-pool', namespace: '6f1f4a52-8d0b-4c1e-9a57-3b9e2f0c7d11' } as const;

/** The target section for the emulator's default client (and, for Cloudentity, its default tenant and pool). */
function benchTarget(kind: BenchTarget, url: string, batchSize: number): string {
  const common = `  baseUrl: ${url}\n  clientId: ciam-migrate\n  clientSecret: ciam-migrate-secret\n  batchSize: ${batchSize}\n`;
  return kind === 'cidaas'
    ? `  kind: cidaas\n${common}`
    : `  kind: cloudentity\n${common}  tenantId: ${BENCH_CLOUDENTITY.tenantId}\n  poolId: ${BENCH_CLOUDENTITY.poolId}\n  namespace: ${BENCH_CLOUDENTITY.namespace}\n`;
}

export function benchConfig(csv: string, url: string, ledger: string, run: Record<string, number>, batchSize: number, target: BenchTarget = 'cidaas'): string {
  return `version: 1
name: bench
source: { kind: csv, path: ${JSON.stringify(csv)} }
mapping:
  fields:
    sourceId: id
    email: email
    emailVerified: { from: email_verified, transform: boolean }
    phone: phone
    name.given: first_name
    name.family: last_name
    locale: locale
    createdAt: created_at
  attributes: { customer_no: customer_no }
  password: { from: password_hash }
target:
${benchTarget(target, url, batchSize)}ledger: { kind: sqlite, path: ${JSON.stringify(ledger)} }
run: ${JSON.stringify(run)}
`;
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** A CloudEvent of version `v` of bench user `u`, its `time` now (lag is measured from it). */
export function cloudEventBody(u: number, v: number): string {
  return JSON.stringify({
    specversion: '1.0',
    id: `b${u}:${v}:${Math.random().toString(36).slice(2, 8)}`,
    source: 'urn:bench',
    type: v === 1 ? 'user.created' : 'user.updated',
    subject: `u${u}`,
    sequence: String(Date.now() * 1000 + v),
    time: new Date().toISOString(),
    data: { email: `u${u}@example.com`, emailVerified: true, name: { given: `G${v}`, family: 'Bench' }, locale: 'de-DE' },
  });
}

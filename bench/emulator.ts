/**
 * Emulator cost per imported user: the emulator alone, fed pre-built bodies, so nothing on the
 * client side (CSV, mapping, ledger) is measured.
 *   npx tsx bench/emulator.ts [--target cidaas|cloudentity] [--users 300000] [--batch 1000]
 *     [--concurrency 8] [--passes 1] [--profile DIR]
 * Prints users/s and the emulator process's CPU µs per user (utime+stime from /proc) per pass;
 * pass 1 creates, later passes re-import the same users (updates). `--profile DIR` runs the
 * emulator under the inspector's CPU profiler (summarise with `node .work/prof.mjs FILE`).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { Pool } from 'undici';
import { arg, startEmulatorProcess } from './lib.ts';

const target = process.argv.includes('--target') ? process.argv[process.argv.indexOf('--target') + 1] : 'cidaas';
const users = arg('users', 300_000);
const concurrency = arg('concurrency', 8);
const passes = arg('passes', 1);
const batch = arg('batch', target === 'cloudentity' ? 100 : 1000);
const profileDir = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;

// bcrypt cost 4, as the bulk benchmark's CSV: the emulator stores hashes, it never checks them on import.
const hashes = await Promise.all(Array.from({ length: 8 }, (_, i) => bcryptHash(`password-${i}`, 4)));
const ts = '2015-03-01T10:00:00Z';

/** What src/targets/cidaas/payload.ts sends for a user of the bulk benchmark's CSV (flat form). */
function cidaasUser(i: number): Record<string, unknown> {
  return {
    sub: `b${i}`,
    userStatus: 'VERIFIED',
    customFields: { customer_no: `C-${i}` },
    mfa_enabled: false,
    password_hash_info: { algorithmTypeId: 'BCRYPT_4', passwordHash: hashes[i % 8] },
    createdTime: ts,
    provider: 'self',
    email: `user.${i}@example.com`,
    email_verified: true,
    mobile_number: `+4917${10000000 + i}`,
    mobile_number_verified: false,
    given_name: `First${i % 100}`,
    family_name: `Last${i % 1000}`,
    locale: 'de-DE',
  };
}

/** What src/targets/cloudentity/payload.ts sends for the same user: one TenantDump entry. */
function cloudentityEntry(i: number, ids: string[]): Record<string, Record<string, unknown>[]> {
  const [user, cred, idEmail, idMobile, adEmail, adMobile] = ids as [string, string, string, string, string, string];
  const email = `user.${i}@example.com`;
  const phone = `+4917${10000000 + i}`;
  const owned = { tenant_id: 'default', user_pool_id: 'default-pool', user_id: user };
  const times = { created_at: ts, updated_at: ts };
  return {
    users: [
      {
        id: user, tenant_id: 'default', user_pool_id: 'default-pool', status: 'active', status_updated_at: ts,
        payload: { customer_no: `C-${i}`, email, email_verified: true, phone_number: phone, phone_number_verified: false, given_name: `First${i % 100}`, family_name: `Last${i % 1000}`, locale: 'de-DE' },
        metadata: { legacy_id: `b${i}` },
        ...times,
      },
    ],
    user_credentials: [
      { id: cred, ...owned, type: 'password', payload: { hashed_password: { config: { method: 'bcrypt', bcrypt: { cost: 4 } }, value: hashes[i % 8] } }, ...times },
    ],
    user_identifiers: [
      { id: idEmail, ...owned, type: 'email', identifier: email, identifier_lc: email, ...times },
      { id: idMobile, ...owned, type: 'mobile', identifier: phone, identifier_lc: phone, ...times },
    ],
    user_verifiable_addresses: [
      { id: adEmail, ...owned, type: 'email', address: email, address_lc: email, status: 'active', verified: true, verified_at: ts, ...times },
      { id: adMobile, ...owned, type: 'mobile', address: phone, address_lc: phone, status: 'active', verified: false, preferred_contact_method: 'sms', ...times },
    ],
  };
}

function buildBodies(): string[] {
  const bodies: string[] = [];
  for (let start = 0; start < users; start += batch) {
    const end = Math.min(users, start + batch);
    if (target === 'cidaas') {
      const list: Record<string, unknown>[] = [];
      for (let i = start; i < end; i++) list.push(cidaasUser(i));
      bodies.push(JSON.stringify(list));
    } else {
      const dump: Record<string, Record<string, unknown>[]> = { users: [], user_credentials: [], user_identifiers: [], user_verifiable_addresses: [] };
      for (let i = start; i < end; i++) {
        const entry = cloudentityEntry(i, Array.from({ length: 6 }, () => randomUUID()));
        for (const [k, v] of Object.entries(entry)) dump[k]?.push(...v);
      }
      bodies.push(JSON.stringify(dump));
    }
  }
  return bodies;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime from a /proc stat file, in µs. */
function statMicros(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
}

const cpuMicros = (pid: number): number => statMicros(`/proc/${pid}/stat`);

/** CPU µs of all threads but the main one (V8's GC helpers, libuv), so GC off the main thread shows. */
function helperMicros(pid: number): number {
  let helpers = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) if (Number(tid) !== pid) helpers += statMicros(`/proc/${pid}/task/${tid}/stat`);
  return helpers;
}

function rssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

const t0 = Date.now();
const bodies = buildBodies();
console.log(`built ${bodies.length} bodies of ${batch} users in ${Date.now() - t0} ms`);

// The child inherits the environment at spawn: see bench/emulator-process.ts.
if (profileDir !== undefined) process.env['EMULATOR_CPU_PROFILE'] = profileDir;
const emulator =
  target === 'cidaas'
    ? await startEmulatorProcess({ kind: 'cidaas', maxBatch: 1000, customFields: { customer_no: { type: 'string' } } })
    : await startEmulatorProcess({ kind: 'cloudentity', batchCap: batch });
delete process.env['EMULATOR_CPU_PROFILE'];
const pid = emulator.child.pid as number;
const pool = new Pool(emulator.url, { connections: concurrency });

const tokenRes = await pool.request({
  method: 'POST',
  path: target === 'cidaas' ? '/token-srv/token' : '/default/system/oauth2/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&client_id=ciam-migrate&client_secret=ciam-migrate-secret',
});
const token = ((await tokenRes.body.json()) as { access_token: string }).access_token;
const request = target === 'cidaas' ? { method: 'POST' as const, path: '/users-srv/user/bulk' } : { method: 'PUT' as const, path: '/api/identity/default/configuration' };
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function pass(): Promise<{ seconds: number; cpuUs: number; helperUs: number }> {
  let next = 0;
  const cpu0 = cpuMicros(pid);
  const helpers0 = helperMicros(pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        const res = await pool.request({ ...request, headers, body });
        // The answer is read whole, as the adapter does, so the emulator's send is part of the cost.
        const text = await res.body.text();
        if (res.statusCode !== 200 && res.statusCode !== 204) throw new Error(`${res.statusCode}: ${text.slice(0, 300)}`);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, cpuUs: cpuMicros(pid) - cpu0, helperUs: helperMicros(pid) - helpers0 };
}

for (let p = 1; p <= passes; p++) {
  const { seconds, cpuUs, helperUs } = await pass();
  console.log(
    JSON.stringify({
      target,
      pass: p,
      users,
      batch,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      usersPerSecond: Math.round(users / seconds),
      emulatorCpuUsPerUser: Number((cpuUs / users).toFixed(2)),
      ofWhichHelperThreadsUs: Number((helperUs / users).toFixed(2)),
      emulatorCpuShare: Number((cpuUs / 1e6 / seconds).toFixed(2)),
    }),
  );
}
const stats = await emulator.stats();
console.log(JSON.stringify({ created: stats.usersCreated, updated: stats.usersUpdated, failed: stats.usersFailed, emulatorPeakRssMb: rssMb(pid) }));
await pool.close();
await emulator.stop();

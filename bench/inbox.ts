/**
 * The event inbox alone, on this thread, without a broker or a target: what its statements and
 * commits cost per event, for comparing inbox changes without the noise of the whole sync.
 *   npx tsx bench/inbox.ts [--events 1000000] [--users 100000] [--batch 1000] [--runs 1]
 * Prints events/s, CPU per event and the bytes written to disk per event (what fsync waits for).
 * 1. append: a backlog of `events` over `users` users, `batch` events per transaction (as the
 *    NATS input hands them over);
 * 2. drain: settle-and-claim transactions of `batch` users, each settling the previous claim as
 *    applied, until nothing is left (as the apply loop does against a target that accepts all).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type * as Store from '../src/ledger/inbox/sqlite-store.ts';
import type * as Admin from '../src/ledger/inbox/sqlite-admin.ts';
import type * as Wire from '../src/ledger/inbox/wire.ts';
import type * as OrderKey from '../src/model/order-key.ts';
import { BENCH_DIR, arg, loadModule } from './lib.ts';

const { InboxStore } = await loadModule<typeof Store>('ledger/inbox/sqlite-store');
const admin = await loadModule<typeof Admin>('ledger/inbox/sqlite-admin');
const { fromRows, STORED_WIDTH } = await loadModule<typeof Wire>('ledger/inbox/wire');
const { intKey } = await loadModule<typeof OrderKey>('model/order-key');

const events = arg('events', 1_000_000);
const users = arg('users', 100_000);
const batch = arg('batch', 1000);
const runs = arg('runs', 1);

/** Appends one event to `batch` as the caller's thread hands it over (the user already JSON). */
function addEvent(batch: Wire.StoredBatch, u: number, v: number, seq: number): void {
  const data = JSON.stringify({ sourceId: `u${u}`, email: `u${u}@example.com`, emailVerified: true, name: { given: `G${v}`, family: 'Bench' }, locale: 'de-DE' });
  const index = batch.events.length / STORED_WIDTH;
  batch.events.push(index, `b${u}:${v}:${seq.toString(36)}`, 'urn:bench', v === 1 ? 'user.created' : 'user.updated', `u${u}`, intKey(v)!, new Date().toISOString(), 'user', data);
}

function settlementsOf(rows: Wire.ClaimedRow[]) {
  return fromRows(rows).map((c) => {
    const last = c.events[c.events.length - 1];
    return {
      subject: c.subject,
      kind: 'applied' as const,
      applied: c.events.map((e) => e.seq),
      skipped: [],
      version: last?.version ?? c.appliedVersion,
      tombstone: false,
      email: `${c.subject}@example.com`,
    };
  });
}

/** Bytes this process has had written to disk so far (Linux), to report what a commit costs in I/O. */
async function diskWrites(): Promise<number> {
  const io = await readFile('/proc/self/io', 'utf8').catch(() => '');
  return Number(/write_bytes: (\d+)/.exec(io)?.[1] ?? NaN);
}

async function run(n: number): Promise<void> {
  const file = path.join(BENCH_DIR, `inbox-bench-${n}.sqlite`);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) await rm(f, { force: true });
  const store = new InboxStore(file);
  // Experiments: INBOX_PRAGMAS="synchronous=OFF;cache_size=-262144" (never what the tool runs with).
  for (const p of (process.env.INBOX_PRAGMAS ?? '').split(';').filter(Boolean)) store.db.pragma(p);
  const versions = new Map<number, number>();
  const disk0 = await diskWrites();
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  for (let i = 0; i < events; i += batch) {
    const chunk: Wire.StoredBatch = { events: [], bad: [] };
    for (let k = i; k < Math.min(events, i + batch); k++) {
      const u = Math.floor(Math.random() * users);
      const v = (versions.get(u) ?? 0) + 1;
      versions.set(u, v);
      addEvent(chunk, u, v, k);
    }
    store.write(() => store.append(chunk, Date.now()));
  }
  const appendMs = performance.now() - t;
  const cpuAppend = process.cpuUsage(cpu0);
  const diskAppend = await diskWrites();
  t = performance.now();
  const next = { owner: 'bench', maxUsers: batch, leaseMs: 60_000, maxEventsPerUser: 100 };
  let claimed = store.write(() => store.claim(next, Date.now()));
  let transactions = 0;
  let sinceScrub = 0;
  while (claimed.length > 0) {
    const settlements = settlementsOf(claimed);
    claimed = store.write(() => {
      store.settle('bench', settlements, { maxAttempts: 5 }, Date.now());
      return store.claim(next, Date.now());
    });
    transactions += 1;
    // The payload sweep runs beside the apply loop about once a second, 500 events at a time.
    if (++sinceScrub >= 20) {
      sinceScrub = 0;
      store.write(() => admin.scrub(store, 500));
    }
  }
  const drainMs = performance.now() - t;
  const cpuAll = process.cpuUsage(cpu0);
  const diskAll = await diskWrites();
  const leftover = admin.stats(store, Date.now()).backlog;
  store.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) await rm(f, { force: true });
  const kb = (bytes: number) => `${(bytes / events / 1024).toFixed(1)} KiB written/event`;
  const us = (c: { user: number; system: number }) => (c.user + c.system) / events;
  const drainCpu = { user: cpuAll.user - cpuAppend.user, system: cpuAll.system - cpuAppend.system };
  console.log(
    `  run ${n}: append ${Math.round(events / (appendMs / 1000))} events/s (${us(cpuAppend).toFixed(1)} µs CPU/event, ${kb(diskAppend - disk0)}), ` +
      `drain ${Math.round(events / (drainMs / 1000))} events/s (${us(drainCpu).toFixed(1)} µs CPU/event, ${kb(diskAll - diskAppend)}, ${transactions} transactions), ` +
      `together ${(us(cpuAll)).toFixed(1)} µs CPU/event; left pending: ${leftover}`,
  );
}

console.log(`inbox alone: ${events} events over ${users} users, ${batch} per transaction`);
for (let n = 1; n <= runs; n++) await run(n);

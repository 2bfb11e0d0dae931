import pg from 'pg';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { emulatorState, startEmulator, tempDir, writeConfig } from './harness.ts';
import { exitCode, kill9, spawnSync } from './processes.ts';
import { makeWorkload } from './workload.ts';

/**
 * Needs `wal_level = logical`. `.ci/run` sets it on the shared server; on a laptop point
 * CIAM_TEST_PG_CDC_URL at a server that has it (e.g. a throwaway `initdb` on another port).
 */
const URL = process.env.CIAM_TEST_PG_CDC_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = Number(process.env.CIAM_SYNC_CDC_EVENTS ?? 6_000);
const USERS = Math.max(10, Math.round(EVENTS / 30));

async function walLevel(): Promise<string | undefined> {
  const port = Number(new globalThis.URL(URL).port || 5432);
  if (!(await serviceAvailable({ ...SERVICES.postgres, port }))) return undefined;
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  try {
    return (await c.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
  } finally {
    await c.end();
  }
}

const level = await walLevel();
const WAL_MESSAGE = `PostgreSQL at ${URL} has wal_level=${level ?? '?'}; logical replication tests need wal_level=logical: psql -h 127.0.0.1 -U postgres -c "ALTER SYSTEM SET wal_level = logical" and restart PostgreSQL (or set CIAM_TEST_PG_CDC_URL)`;
if (level !== undefined && level !== 'logical') {
  if (process.env.CI === 'true') throw new Error(WAL_MESSAGE);
  console.warn(`skipping: ${WAL_MESSAGE}`);
}

describe.skipIf(level !== 'logical')('PostgreSQL logical replication input (pgoutput: users table + outbox)', () => {
  let emu: CidaasEmulatorHandle;
  let db: pg.Client;
  let hashes: string[];
  const tag = `cdc${Date.now().toString(36)}`;
  beforeAll(async () => {
    emu = await startEmulator();
    hashes = await Promise.all(['a', 'b'].map((p) => hash(`pw-${p}`, 4)));
    db = new pg.Client({ connectionString: URL });
    await db.connect();
    await db.query(`CREATE TABLE ${tag}_users (id text PRIMARY KEY, email text, email_verified text, first_name text, rev int, pw_hash text)`);
    await db.query(`CREATE TABLE ${tag}_outbox (id text PRIMARY KEY, aggregateid text NOT NULL, type text NOT NULL, payload jsonb)`);
  });
  afterAll(async () => {
    await db.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`, [tag]).catch(() => undefined);
    await db.query(`DROP PUBLICATION IF EXISTS ${tag}`).catch(() => undefined);
    await db.query(`DROP TABLE IF EXISTS ${tag}_users, ${tag}_outbox`).catch(() => undefined);
    await db.end();
    await emu.close();
  });

  it(`${EVENTS} row changes and outbox events, sync killed -9 twice and its replication connection cut: target equals the table; slot dropped at the end`, async () => {
    const dir = tempDir('sync-cdc');
    const file = writeConfig(
      dir,
      emu.url,
      `  inputs:
    - kind: postgres-cdc
      url: "${URL}"
      slot: ${tag}
      publication: ${tag}
      usersTable: ${tag}_users
      outboxTable: ${tag}_outbox
      passwordColumn: pw_hash
      dropSlotOnDrain: true
`,
    );
    const wl = makeWorkload(EVENTS, USERS, hashes, 11);
    let sync = spawnSync(file);
    // The slot must exist before the first write, or those writes are not in its stream.
    for (let i = 0; i < 100; i++) {
      const r = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [tag]);
      if (r.rowCount) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const kills = [Math.floor(wl.events.length / 3), Math.floor((2 * wl.events.length) / 3)];
    const outboxFinal = new Map<string, number>();
    for (const [n, e] of wl.events.entries()) {
      const r = e.row as Record<string, unknown> | undefined;
      if (e.type === 'user.created') {
        await db.query(`INSERT INTO ${tag}_users VALUES ($1,$2,$3,$4,$5,$6)`, [r!.id, r!.email, r!.email_verified, r!.first_name, r!.rev, r!.pw_hash]);
      } else if (e.type === 'user.deleted') {
        await db.query(`DELETE FROM ${tag}_users WHERE id = $1`, [e.subject]);
      } else {
        await db.query(`UPDATE ${tag}_users SET email=$2, first_name=$3, rev=$4, pw_hash=$5 WHERE id=$1`, [e.subject, r!.email, r!.first_name, r!.rev, r!.pw_hash]);
      }
      // Every 10th change also goes through the outbox, for users of its own, in the same transaction style.
      if (n % 10 === 0) {
        const subject = `o${n % 50}`;
        const payload = { id: subject, email: `${subject}.${n}@example.com`, email_verified: 'true', first_name: 'O', rev: n, pw_hash: hashes[0] };
        await db.query(`INSERT INTO ${tag}_outbox VALUES ($1,$2,$3,$4)`, [`ob-${n}`, subject, 'user.updated', JSON.stringify(payload)]);
        outboxFinal.set(subject, n);
      }
      // Cut the replication connection once (the walsender dies, as on a failover): the input
      // reconnects and resumes at the slot's confirmed LSN.
      if (n === Math.floor(wl.events.length / 2)) {
        await db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [tag]);
      }
      if (kills[0] !== undefined && n >= kills[0]) {
        kills.shift();
        await kill9(sync);
        sync = spawnSync(file);
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
    await kill9(sync);
    const final = spawnSync(file, ['--until-drained']);
    expect(await exitCode(final, 180_000), final.output()).toBe(0);

    const state = emulatorState(emu);
    const rows = (await db.query<{ id: string; email: string; rev: number }>(`SELECT id, email, rev FROM ${tag}_users`)).rows;
    const expected = new Map(rows.map((r) => [r.id, r]));
    for (const [u] of wl.final) {
      const want = expected.get(u);
      const got = state.get(u);
      expect(got && { email: got.email, rev: got.rev }, u).toEqual(want ? { email: want.email, rev: want.rev } : undefined);
    }
    for (const [u, rev] of outboxFinal) expect(state.get(u)?.rev, u).toBe(rev);
    const inbox = new SqliteInbox(`${dir}/ledger.sqlite`);
    expect(await inbox.stats()).toMatchObject({ backlog: 0, dead: 0 });
    await inbox.close();
    const slot = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [tag]);
    expect(slot.rowCount).toBe(0);
  }, 600_000);
});

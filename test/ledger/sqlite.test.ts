import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, SqliteLedger, type LedgerUpgrade } from '../../src/ledger/index.ts';
import { User } from '../../src/model/index.ts';
import { SQLITE_SCHEMA_VERSION } from '../../src/ledger/schema-sqlite.ts';
import { writeOldLedger } from './old-ledger.ts';

function user(id: string, email = `${id}@example.com`) {
  return User.parse({ sourceId: id, email });
}

function staged(id: string, email?: string, position = `line ${id}`) {
  const u = user(id, email);
  return { sourceId: u.sourceId, json: JSON.stringify(u), fingerprint: fingerprint(u), position };
}

// What every ledger does is in contract.ts; this is what only the SQLite file has: its schema upgrades.
describe('SqliteLedger schema upgrades', () => {
  let dir: string;
  let file: string;
  let ledger: SqliteLedger;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    file = path.join(dir, 'ledger.sqlite');
    ledger = new SqliteLedger(file);
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([1, 2])('upgrades a ledger written with schema %i and keeps every user, state and payload', async (from) => {
    await ledger.close();
    rmSync(file);
    writeOldLedger(file, from);
    const upgrades: LedgerUpgrade[] = [];
    ledger = new SqliteLedger(file, { onUpgrade: (u) => upgrades.push(u) });
    // Told before the copy starts, once: opening the upgraded file again says nothing.
    expect(upgrades).toEqual([{ file, from, to: SQLITE_SCHEMA_VERSION, users: 3 }]);
    await ledger.close();
    ledger = new SqliteLedger(file, { onUpgrade: (u) => upgrades.push(u) });
    expect(upgrades).toHaveLength(1);
    const check = new Database(file, { readonly: true });
    const indexes = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'`).pluck().all();
    const version = check.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get();
    const tables = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    check.close();
    expect(version).toBe(String(SQLITE_SCHEMA_VERSION));
    expect(indexes).toEqual(expect.arrayContaining(['users_pending', 'users_source_id']));
    expect(indexes).not.toContain('users_queue');
    expect(tables).not.toEqual(expect.arrayContaining(['users_v2']));
    expect((await ledger.stats()).byState).toMatchObject({ synced: 1, pending: 1, dead: 1 });
    // The pending user comes back with its payload; the synced one is unchanged on a re-stage.
    const batch = await ledger.claim('w', 10, 60_000);
    expect(batch.items.map((i) => [i.sourceId, i.user?.email])).toEqual([['pending-1', 'pending-1@example.com']]);
    expect(await ledger.stage(await ledger.beginRun('run'), [staged('synced-1')])).toEqual([{ kind: 'unchanged' }]);
    expect(await ledger.deadLetters(10, true)).toEqual([{ sourceId: 'dead-1', reason: 'HTTP 400 bad phone', code: 'invalid', email: 'dead-1@example.com' }]);
    // New users go on after the copied ones.
    expect((await ledger.stage(await ledger.beginRun('run'), [staged('new-1')])).map((r) => r.kind)).toEqual(['new']);
  });
});

import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundCheckpointer } from '../../src/ledger/checkpointer.ts';
import { fingerprintJson, SqliteLedger } from '../../src/ledger/index.ts';

const PAYLOAD = 'x'.repeat(2000);

/** A writer that commits small transactions back to back, as staging and settling do. */
function writer(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const chunk = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run(PAYLOAD);
  });
  return { db, chunk };
}

const walBytes = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

describe('background WAL checkpoints', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    file = path.join(dir, 'ledger.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the WAL of a writer that never pauses bounded, and loses no committed row', async () => {
    const { db, chunk } = writer(file);
    // 256 pages of 4 KiB: the WAL is rewound from 1 MiB on.
    const checkpointer = new BackgroundCheckpointer({ file, intervalMs: 5, restartFrames: 256 });
    await checkpointer.running;
    let maxWal = 0;
    for (let i = 0; i < 400; i++) {
      chunk(20);
      maxWal = Math.max(maxWal, walBytes(file));
      // Let the checkpoint thread's reports in, as a run's event loop would.
      await sleep(1);
    }
    await checkpointer.stop();
    expect(checkpointer.last.error).toBeUndefined();
    expect(checkpointer.last.restarts).toBeGreaterThan(0);
    // 8,000 rows of 2 KB were written (about 16 MB of WAL without checkpoints).
    expect(maxWal).toBeLessThan(8 * 1024 * 1024);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(8000);
    db.close();
    // The writer's close checkpoints what is left and removes the WAL.
    expect(walBytes(file)).toBe(0);
  });

  it('a ledger stops its checkpoint thread before it closes, and nothing staged is lost', async () => {
    const ledger = new SqliteLedger(file);
    const stop = ledger.checkpointInBackground({ afterMs: 0 });
    const run = await ledger.beginRun('run');
    for (let c = 0; c < 50; c++) {
      const users = Array.from({ length: 100 }, (_, i) => {
        const json = JSON.stringify({ sourceId: `u${c}-${i}`, note: PAYLOAD });
        return {
          sourceId: `u${c}-${i}`,
          json,
          fingerprint: fingerprintJson(json),
          position: `line ${c * 100 + i}`,
        };
      });
      await ledger.stage(run, users);
      await sleep(1);
    }
    await stop();
    expect((await ledger.stats()).byState.pending).toBe(5000);
    await ledger.close();
    expect(walBytes(file)).toBe(0);
    const reopened = new SqliteLedger(file);
    expect((await reopened.stats()).total).toBe(5000);
    await reopened.close();
  });

  it('stopping before the thread has started, or twice, returns at once', async () => {
    const ledger = new SqliteLedger(file);
    const stop = ledger.checkpointInBackground({ afterMs: 60_000 });
    await stop();
    await stop();
    await ledger.close();
  });
});

/**
 * Worker side of `checkpointer.ts`: its own connection to the ledger file, copying the WAL back
 * into the database (and paying for its fsyncs) while the writer's thread goes on. No top-level
 * await: the tsx bootstrap loads this module with require().
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerInput, CheckpointReport } from './checkpointer.ts';

const { file, intervalMs, restartFrames } = workerData as CheckpointerInput;
const db = new Database(file);
// A RESTART waits for the writer's transaction in progress (a few ms) and holds new ones off while
// it copies the frames written since the last pass; past this it gives up and tries again later.
db.pragma('busy_timeout = 1000');

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

let stopped = false;
let timer: NodeJS.Timeout | undefined;

function checkpoint(mode: 'PASSIVE' | 'RESTART'): CheckpointRow {
  return (db.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[])[0] as CheckpointRow;
}

function tick(): void {
  if (stopped) return;
  try {
    const passive = checkpoint('PASSIVE');
    let restarted = false;
    // A writer that commits every few ms never finds the whole WAL copied, so the WAL would only
    // grow: once it is large (and, just now, all copied), a short RESTART lets the next commit rewind it.
    if (passive.busy === 0 && passive.log >= restartFrames) {
      restarted = checkpoint('RESTART').busy === 0;
    }
    parentPort?.postMessage({
      type: 'report',
      log: passive.log,
      checkpointed: passive.checkpointed,
      restarted,
    } satisfies CheckpointReport);
  } catch (err) {
    parentPort?.postMessage({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
    } satisfies CheckpointReport);
  }
  timer = setTimeout(tick, intervalMs);
}

parentPort?.on('message', (m: { type: 'stop' }) => {
  if (m.type !== 'stop') return;
  stopped = true;
  if (timer !== undefined) clearTimeout(timer);
  db.close();
  parentPort?.postMessage({ type: 'stopped' } satisfies CheckpointReport);
  parentPort?.close();
});

tick();

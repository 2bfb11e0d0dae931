import type { Worker } from 'node:worker_threads';
import { siblingModule, startTsWorker } from '../runtime/ts-worker.ts';

export interface CheckpointerInput {
  file: string;
  /** Pause between two passes over the WAL. */
  intervalMs: number;
  /** WAL size (in frames, i.e. pages) from which the WAL is rewound once it has been copied. */
  restartFrames: number;
}

export type CheckpointReport =
  | { type: 'report'; log: number; checkpointed: number; restarted: boolean }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

/** The checkpoint thread needs a connection and a timer, nothing more. */
const HEAP = { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 };

/**
 * Copies a SQLite WAL back into its database on a thread of its own. A checkpoint writes and fsyncs
 * what was committed since the last one; on the writer's thread it stalls everything else there for
 * tens of ms (measured 24–35 ms per 16 MB of WAL on the development machine, 14 % of a bulk run's
 * main thread), including the answers of the target that arrive meanwhile.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private stopping: Promise<void> | undefined;
  private exited = false;
  /** WAL frames seen at the last pass, and how often it was rewound (for tests and status). */
  readonly last = { log: 0, restarts: 0, error: undefined as string | undefined };
  /** Resolves once the thread has made its first pass (or failed to start). */
  readonly running: Promise<void>;

  constructor(input: CheckpointerInput) {
    this.worker = startTsWorker(siblingModule(import.meta.url, 'checkpoint-worker'), input, HEAP);
    this.running = new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.on('message', (m: CheckpointReport) => {
      if (m.type === 'report') {
        this.last.log = m.log;
        if (m.restarted) this.last.restarts += 1;
      } else if (m.type === 'error') {
        // The writer's own connection checkpoints at close; a failing pass only lets the WAL grow.
        this.last.error = m.message;
      }
    });
    this.worker.on('error', (err) => {
      this.last.error = err.message;
    });
    this.worker.once('exit', () => {
      this.exited = true;
    });
    // A pass in progress must never keep the process alive once the writer is done.
    this.worker.unref();
  }

  /** Stop after the pass in progress; the writer's connection can then checkpoint and close. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      // Waiting for the thread to finish must keep the process alive, unlike its passes.
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.on('message', (m: CheckpointReport) => {
        if (m.type === 'stopped') void this.worker.terminate();
      });
      this.worker.postMessage({ type: 'stop' });
    });
    return this.stopping;
  }

  /** Stop at once (the writer is closing in a hurry); its connection closes with the thread. */
  kill(): void {
    if (!this.exited) void this.worker.terminate();
  }
}

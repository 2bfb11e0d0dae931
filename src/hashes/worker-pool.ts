import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { PasswordHash } from '../model/index.ts';
import { siblingModule, startTsWorker } from '../runtime/ts-worker.ts';

export interface VerifyPoolOptions {
  /** Worker threads; default: available cores. */
  size?: number;
  /** Tasks queued beyond the workers before verify() rejects, to keep memory bounded. Default 10000. */
  maxQueue?: number;
}

interface Pending {
  id: number;
  hash: PasswordHash;
  password: string;
  resolve: (ok: boolean) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

type Reply = { id: number; ok: boolean } | { id: number; error: string };

function startWorker(): Worker {
  return startTsWorker(siblingModule(import.meta.url, 'verify-worker'));
}

/**
 * A fixed pool of worker threads for slow verifies (bcrypt, argon2, scrypt, pbkdf2, sha-crypt),
 * so bulk checks use every core and the event loop stays free. Tasks are answered in any order.
 */
export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly maxQueue: number;
  private nextId = 1;
  private closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    const size = Math.max(1, options.size ?? availableParallelism());
    this.maxQueue = options.maxQueue ?? 10_000;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker() };
    slot.worker.on('message', (reply: Reply) => this.settle(slot, reply));
    slot.worker.on('error', (e) => this.crash(slot, e));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.crash(slot, new Error(`verify worker exited with code ${code}`));
    });
    slot.worker.unref();
    return slot;
  }

  /** A crashed worker fails only its own task and is replaced. */
  private crash(slot: Slot, e: Error): void {
    const task = slot.busy;
    slot.busy = undefined;
    task?.reject(new Error(`verify worker failed: ${e.message}`));
    if (this.closed) return;
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    void slot.worker.terminate().catch(() => undefined);
    this.slots[i] = this.spawn();
    this.pump();
  }

  private settle(slot: Slot, reply: Reply): void {
    const task = slot.busy;
    slot.busy = undefined;
    if (task && task.id === reply.id) {
      if ('error' in reply) task.reject(new Error(reply.error));
      else task.resolve(reply.ok);
    }
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const task = this.queue.shift();
      if (!task) return;
      slot.busy = task;
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, hash: task.hash, password: task.password });
    }
    // Idle workers must not keep the process alive.
    for (const slot of this.slots) if (!slot.busy) slot.worker.unref();
  }

  verify(hash: PasswordHash, password: string): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('verify pool is closed'));
    if (this.queue.length >= this.maxQueue) return Promise.reject(new Error('verify pool queue is full'));
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, hash, password, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('verify pool closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        s.busy?.reject(new Error('verify pool closed'));
        await s.worker.terminate();
      }),
    );
  }
}

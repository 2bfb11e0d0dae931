import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PasswordHash } from '../model/index.ts';

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

/**
 * The worker script is TypeScript. Node 20 does not apply ESM loader hooks (`--import tsx`) inside
 * worker threads before their entry loads ("Unknown file extension .ts"), so a .ts worker starts
 * from a small CommonJS bootstrap that installs tsx's require hook and requires the real worker
 * (Node ≥ 20.19 can require the ESM-only dependencies). Works under tsx, vitest and
 * `node --import tsx`; a compiled build (.js next to this file) needs no loader.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./verify-worker.js', import.meta.url));
  const tsxCjs = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const entry = fileURLToPath(new URL('./verify-worker.ts', import.meta.url));
  const bootstrap = `require(${JSON.stringify(tsxCjs)}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true });
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

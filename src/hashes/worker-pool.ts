import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { PasswordHash } from '../model/index.ts';
import { siblingModule, startTsWorker } from '../runtime/ts-worker.ts';
import { assertWithinLimits, DEFAULT_HASH_LIMITS, type HashLimits } from './limits.ts';

export interface VerifyPoolOptions {
  /** Worker threads; default: available cores. */
  size?: number;
  /** Tasks queued beyond the workers before verify() rejects, to keep memory bounded. Default 10000. */
  maxQueue?: number;
  /** Cost bounds (limits.ts): a hash above them is refused before it reaches a worker. */
  limits?: HashLimits;
  /** Default deadline of one verify, queueing included; none when unset. */
  deadlineMs?: number;
}

/** The verify did not finish within its deadline; the worker running it was stopped and replaced. */
export class VerifyDeadlineError extends Error {
  constructor(ms: number) {
    super(`verification did not finish within ${ms} ms`);
    this.name = 'VerifyDeadlineError';
  }
}

interface Pending {
  id: number;
  hash: PasswordHash;
  password: string;
  resolve: (ok: boolean) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
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
  private readonly limits: HashLimits;
  private readonly deadlineMs: number | undefined;
  private nextId = 1;
  private closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    const size = Math.max(1, options.size ?? availableParallelism());
    this.maxQueue = options.maxQueue ?? 10_000;
    this.limits = options.limits ?? DEFAULT_HASH_LIMITS;
    this.deadlineMs = options.deadlineMs;
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
    if (task) {
      clearTimeout(task.timer);
      task.reject(new Error(`verify worker failed: ${e.message}`));
    }
    this.replace(slot);
  }

  private replace(slot: Slot): void {
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
      clearTimeout(task.timer);
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
      slot.worker.postMessage({ id: task.id, hash: task.hash, password: task.password, limits: this.limits });
    }
    // Idle workers must not keep the process alive.
    for (const slot of this.slots) if (!slot.busy) slot.worker.unref();
  }

  /**
   * Resolves true/false; rejects with HashLimitError at once for a hash above the bounds, with
   * VerifyDeadlineError when `deadlineMs` passes first (a running check is stopped by terminating
   * its worker, since native bcrypt/argon2 cannot be interrupted; a fresh worker takes its place).
   */
  verify(hash: PasswordHash, password: string, options: { deadlineMs?: number } = {}): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('verify pool is closed'));
    try {
      assertWithinLimits(hash, this.limits);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (this.queue.length >= this.maxQueue) return Promise.reject(new Error('verify pool queue is full'));
    const deadline = options.deadlineMs ?? this.deadlineMs;
    return new Promise<boolean>((resolve, reject) => {
      const task: Pending = { id: this.nextId++, hash, password, resolve, reject };
      if (deadline !== undefined) task.timer = setTimeout(() => this.expire(task, deadline), deadline);
      this.queue.push(task);
      this.pump();
    });
  }

  private expire(task: Pending, ms: number): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    else {
      const slot = this.slots.find((s) => s.busy === task);
      if (slot) {
        slot.busy = undefined;
        this.replace(slot);
      }
    }
    task.reject(new VerifyDeadlineError(ms));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) {
      clearTimeout(t.timer);
      t.reject(new Error('verify pool closed'));
    }
    await Promise.all(
      this.slots.map(async (s) => {
        clearTimeout(s.busy?.timer);
        s.busy?.reject(new Error('verify pool closed'));
        await s.worker.terminate();
      }),
    );
  }
}

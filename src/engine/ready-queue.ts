import type { ClaimedItem } from '../ledger/index.ts';
import type { EncodedPayload } from '../targets/target.ts';

/** A claimed item that may carry the target's encoding, made ahead by staging. */
export type DeliveryItem = ClaimedItem & { payload?: EncodedPayload };

/**
 * A user staged and leased to this run, waiting in memory for a call: already the item delivery
 * sends, so handing it over allocates nothing per user. It carries the target's encoding when
 * staging made one, else the canonical user as JSON (never both: a queue full of users waiting for
 * a stalled target is most of a run's memory).
 */
export type ReadyUser = DeliveryItem & { op: 'upsert' };

/** A ready user, as the stager makes it from a staged, leased user. */
export function readyUser(
  sourceId: string,
  fingerprint: string,
  knownToTarget: boolean,
  encoding: { payload: EncodedPayload } | { json: string },
  removed?: readonly string[],
): ReadyUser {
  const item: ReadyUser = { sourceId, op: 'upsert', fingerprint, user: undefined, knownToTarget, attempts: 0 };
  if (removed !== undefined) item.removed = removed;
  if ('payload' in encoding) item.payload = encoding.payload;
  else item.json = encoding.json;
  return item;
}

/**
 * Users that staging leased to this run, handed to delivery in memory: no claim and no second read
 * of their payload. The ledger already holds each of them as leased, so a crash loses nothing (the
 * next run takes the leases back). Bounded: staging waits while the queue is at its high-water mark.
 */
export class ReadyQueue {
  private items: ReadyUser[] = [];
  private head = 0;
  /** `check` runs after each push and resolves when enough users wait; `done` resolves at once. */
  private waiters: Array<{ check: () => void; done: () => void }> = [];
  private spaceListeners: Array<() => void> = [];
  private closed = false;

  constructor(readonly highWater: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** True once delivery has stopped: staged users must then stay pending in the ledger. */
  get isClosed(): boolean {
    return this.closed;
  }

  hasRoom(): boolean {
    return this.closed || this.size < this.highWater;
  }

  /** Delivery has stopped: staging must not wait for room any more (what is left is handed back). */
  close(): void {
    this.closed = true;
    for (const l of [...this.spaceListeners]) l();
  }

  push(users: ReadyUser[]): void {
    if (users.length === 0) return;
    for (const u of users) this.items.push(u);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.check();
  }

  /** Up to `max` users as claimed items, oldest first; their payload stays JSON until sent. */
  take(max: number): DeliveryItem[] {
    const end = Math.min(this.items.length, this.head + max);
    const out = this.items.slice(this.head, end);
    this.head = end;
    // Taken users must not stay reachable from here: in a long run they would be promoted to the old
    // generation along with their payloads (up to 4,096 of them did, when compaction waited for that
    // many). Dropping the taken prefix once it is at least half the array costs O(1) per user.
    if (this.head > 0 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (out.length > 0 && this.hasRoom()) for (const l of [...this.spaceListeners]) l();
    return out;
  }

  /** Everything still waiting (e.g. on interruption), as claimed items to hand back to the ledger. */
  drain(): DeliveryItem[] {
    return this.take(this.size);
  }

  /** Wakes everyone in `waitFor` now, e.g. when the source has been read and a short batch may go. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.done();
  }

  /** Resolves when at least `n` users wait, or after `ms` (or at `wake`). */
  waitFor(n: number, ms: number): Promise<void> {
    if (this.size >= n) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      const waiter = {
        check: () => {
          if (this.size >= n) done();
          else this.waiters.push(waiter);
        },
        done,
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(waiter);
    });
  }

  /** Resolves once the queue is below its high-water mark. */
  whenRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const off = this.onSpace(() => {
        off();
        resolve();
      });
    });
  }

  /** Called whenever taking users frees room below the high-water mark. */
  onSpace(listener: () => void): () => void {
    this.spaceListeners.push(listener);
    return () => {
      this.spaceListeners = this.spaceListeners.filter((l) => l !== listener);
    };
  }
}

import type { Batch, Ledger, RetryPolicy, SettleSummary } from '../ledger/index.ts';
import type { Outcome, User } from '../model/index.ts';
import type { EncodedPlannedUser, Target } from '../targets/target.ts';
import { AimdLimiter, sleep } from '../delivery/aimd.ts';
import { RatePacer } from '../delivery/pacer.ts';
import { afterRequestWrites } from '../delivery/http-client.ts';
import type { DeliveryItem, ReadyQueue } from './ready-queue.ts';

export interface DeliverOptions {
  ledger: Ledger;
  target: Target;
  owner: string;
  batchSize: number;
  concurrency: { initial: number; max: number; queueingTolerance?: number };
  leaseMs: number;
  retry: RetryPolicy;
  /** Stop claiming new work; calls already in flight finish and settle. */
  signal?: AbortSignal;
  /** False while the source is still being staged: an empty queue then means "wait", not "done". */
  producerDone?: () => boolean;
  /** Users staging leased to this run; sent before anything is claimed from the ledger. */
  ready?: ReadyQueue;
  /** Awaited before the worker goes on: what it writes (progress points) keeps pace with delivery. */
  onSettled?: (s: SettleSummary, totals: DeliverTotals) => void | Promise<void>;
}

/** Batches beyond the concurrency limit, held by workers ready for the next free slot. */
const PREFETCH = 2;
/**
 * While the source is still being read, a worker waits for a full batch; this only bounds how long
 * it sleeps before it looks at the ledger's queue (retries that came due) again.
 */
const FILL_RECHECK_MS = 250;

export interface DeliverTotals extends SettleSummary {
  /**
   * HTTP requests made to the target's API (token requests excluded): one per bulk call, one per
   * DELETE, and every extra call spent isolating a refused record. Counted per batch where the
   * target keeps no counters.
   */
  calls: number;
  /** Batches handed to the target (a batch is one bulk call plus one call per delete in it). */
  batches: number;
  /** Time the batches took, summed over all of them (divide by `batches` for a mean). */
  sendMs: number;
  throttled: number;
  users: number;
}

function parsed(i: DeliveryItem): User | undefined {
  return i.user ?? (i.json !== undefined ? (JSON.parse(i.json) as User) : undefined);
}

function upsertOf(target: Target, items: DeliveryItem[]): Promise<Outcome[]> {
  const upserts = items.filter((i) => i.op === 'upsert');
  if (upserts.length === 0) return Promise.resolve([]);
  // Users staging encoded ahead go as they are, not even wrapped (users in flight are what the main
  // thread's garbage collector copies and promotes, BENCHMARKS.md session 11); the others are
  // encoded here, the same way.
  const encoded: EncodedPlannedUser[] = [];
  for (const i of upserts) {
    if (i.payload !== undefined) {
      encoded.push(i as EncodedPlannedUser);
      continue;
    }
    const user = parsed(i);
    if (user === undefined) continue;
    const e: EncodedPlannedUser = { sourceId: i.sourceId, knownToTarget: i.knownToTarget, payload: target.encode(user).payload };
    if (i.removed !== undefined) e.removed = i.removed;
    encoded.push(e);
  }
  return target.upsert(encoded);
}

async function send(target: Target, batch: { items: DeliveryItem[] }): Promise<Outcome[]> {
  const deletes = batch.items.filter((i) => i.op === 'delete').map((i) => i.sourceId);
  const [a, b] = await Promise.all([upsertOf(target, batch.items), deletes.length > 0 ? target.remove(deletes) : []]);
  return [...a, ...b];
}

/** Calls a batch makes, for a target that keeps no request counter: one bulk call, one per delete. */
function callsOf(batch: Batch): number {
  let deletes = 0;
  for (const i of batch.items) if (i.op === 'delete') deletes++;
  return (deletes < batch.items.length ? 1 : 0) + deletes;
}

/** Return a leased batch that was never sent to the queue, due at once. */
export async function handBack(ledger: Ledger, batch: Batch): Promise<void> {
  if (batch.items.length === 0) return;
  const outcomes = batch.items.map((i) => ({ sourceId: i.sourceId, kind: 'retryable' as const, reason: 'interrupted before sending' }));
  await ledger.settle(batch, outcomes, { maxAttempts: Number.MAX_SAFE_INTEGER, backoffMs: () => 0 });
}

/**
 * Drain the ledger's queue into the target with adaptive concurrency. Returns when nothing is
 * pending (or the signal fired and in-flight calls have settled).
 */
export async function deliver(options: DeliverOptions): Promise<DeliverTotals & { limiter: ReturnType<AimdLimiter['snapshot']> }> {
  const { ledger, target, owner } = options;
  // A fatal error in one worker (auth refused, target gone) stops the others from claiming more.
  const stop = new AbortController();
  const signal: AbortSignal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let fatal: unknown;
  const limiter = new AimdLimiter(options.concurrency);
  const pacer = new RatePacer();
  const totals: DeliverTotals = { created: 0, updated: 0, deleted: 0, retried: 0, dead: 0, calls: 0, batches: 0, sendMs: 0, throttled: 0, users: 0 };
  // The target's own request counter says what was really sent: a batch of deletes is a call per user.
  const requestsAtStart = target.stats?.().requests;
  // Batches taken and not yet settled: in calls, or held for the next free slot.
  let inFlight = 0;
  let onBatchDone: Array<() => void> = [];

  // Each worker claims its next batch before it waits for a call slot, and gives the slot back as
  // soon as the answer is in, before settling: with a couple more workers than slots, a freed slot is
  // taken at once by a batch that is ready to go, so the ledger's work never sits on the critical path.
  const { ready } = options;
  // One batch (or one wait) per step: the batch lives in the step's frame, which ends with it. Held
  // in the worker's own loop, it stayed reachable from the suspended loop until the next batch
  // replaced it (10 idle workers kept 10,000 users alive, BENCHMARKS.md session 12).
  const step = async (): Promise<boolean> => {
    if (signal.aborted) return false;
    if (inFlight >= limiter.current + PREFETCH) {
      // Only PREFETCH batches wait for a slot: more would hold users in memory for nothing
      // while the limit is below its ceiling.
      await new Promise<void>((resolve) => onBatchDone.push(resolve));
      return true;
    }
    const staging = options.producerDone?.() === false;
    if (staging && ready !== undefined && ready.size < options.batchSize) {
      // The source is still being read: only full batches go out, however slowly they fill (a delta
      // finds a changed user here and there in a large export; sending what had arrived every 200 ms
      // made calls of 2–10 users). Users that came due for a retry in the ledger need not wait.
      const due = (await ledger.hasPending()) ? await ledger.claim(owner, options.batchSize, options.leaseMs) : undefined;
      if (due === undefined || due.items.length === 0) {
        await ready.waitFor(options.batchSize, FILL_RECHECK_MS);
        return true;
      }
      return sendBatch(due);
    }
    const handedOver = ready?.take(options.batchSize) ?? [];
    const batch: Batch = handedOver.length > 0 ? { owner, items: handedOver } : await ledger.claim(owner, options.batchSize, options.leaseMs);
    if (batch.items.length === 0) {
      if (!staging && inFlight === 0 && (ready?.size ?? 0) === 0 && !(await ledger.hasPending())) return false;
      // Work is being staged, waiting for backoff, or held by a call that has not settled yet.
      if (staging && ready !== undefined) {
        await ready.waitFor(1, 50);
      } else {
        const due = await ledger.nextDueAt();
        await sleep(staging ? 5 : Math.min(1000, Math.max(20, (due ?? Date.now() + 50) - Date.now())));
      }
      return true;
    }
    return sendBatch(batch);
  };
  const sendBatch = async (batch: Batch): Promise<boolean> => {
    inFlight += 1;
    let holdsSlot = false;
    let settled = false;
    try {
      let epoch: number;
      try {
        epoch = await limiter.acquire(signal);
        holdsSlot = true;
      } catch {
        // Interrupted while waiting: the batch was never sent; hand it straight back.
        await handBack(ledger, batch);
        return false;
      }
      const rateEpoch = await pacer.take();
      const started = performance.now();
      const outcomes = await send(target, batch);
      // Only full batches are compared for queueing: a short one is faster for being short.
      const latencyMs = batch.items.length >= options.batchSize ? performance.now() - started : undefined;
      limiter.release();
      holdsSlot = false;
      // The next call takes the freed slot and goes out, and answers that arrived meanwhile are
      // read, before this answer is written down: against a latency-bound target, settling first
      // delayed every call behind it (208 instead of 203.5 ms a call at 200 ms of service time).
      await afterRequestWrites();
      totals.batches += 1;
      totals.sendMs += performance.now() - started;
      totals.calls = requestsAtStart !== undefined ? (target.stats?.().requests ?? 0) - requestsAtStart : totals.calls + callsOf(batch);
      const throttle = outcomes.find((o) => o.kind === 'retryable' && o.throttled);
      if (throttle !== undefined && throttle.kind === 'retryable') {
        totals.throttled += 1;
        limiter.onThrottle(epoch);
        pacer.onThrottle(rateEpoch);
      } else if (outcomes.some((o) => o.kind !== 'retryable')) {
        limiter.onSuccess(latencyMs);
      }
      const s = await ledger.settle(batch, outcomes, options.retry);
      settled = true;
      totals.created += s.created;
      totals.updated += s.updated;
      totals.deleted += s.deleted;
      totals.retried += s.retried;
      totals.dead += s.dead;
      totals.users += s.created + s.updated + s.deleted + s.dead;
      await options.onSettled?.(s, totals);
    } catch (err) {
      fatal ??= err;
      stop.abort(err);
      // Whether or not the target applied it, the batch goes back to the queue at once (sends are
      // idempotent), instead of staying leased to a run that has ended.
      if (!settled) await handBack(ledger, batch);
      return false;
    } finally {
      inFlight -= 1;
      if (holdsSlot) limiter.release();
      const waiting = onBatchDone;
      onBatchDone = [];
      for (const wake of waiting) wake();
    }
    return true;
  };
  const worker = async (): Promise<void> => {
    while (await step());
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency.max + PREFETCH }, worker));
  } finally {
    // Staging must not wait for room any more; whatever is still queued is handed back by the run.
    ready?.close();
  }
  if (fatal !== undefined) throw fatal;
  return { ...totals, limiter: limiter.snapshot() };
}

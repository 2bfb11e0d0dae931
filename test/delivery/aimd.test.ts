import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AimdLimiter } from '../../src/delivery/aimd.ts';

/**
 * A closed loop in rounds: the client keeps as many calls in flight as its limit allows, and each
 * call of the round takes `latencyAt(limit)` (a serial backend: limit × service time; a
 * latency-bound one: a constant). Returns the limit after each round.
 */
function drive(limiter: AimdLimiter, rounds: number, latencyAt: (inFlight: number, round: number) => number): number[] {
  const limits: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const inFlight = limiter.snapshot().limit;
    for (let i = 0; i < inFlight; i++) limiter.onSuccess(latencyAt(inFlight, round));
    limits.push(limiter.snapshot().limit);
  }
  return limits;
}

/** Deterministic uniform draws in [0, 1). */
function draws(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('adaptive concurrency', () => {
  it('a latency-bound target (every call 200 ms, whatever the concurrency) gets the full ceiling in a few rounds', () => {
    const limiter = new AimdLimiter({ initial: 2, max: 8 });
    const limits = drive(limiter, 20, () => 200);
    expect(limits.slice(0, 3)).toEqual([4, 8, 8]);
    expect(limits.at(-1)).toBe(8);
    expect(limiter.snapshot().queueing).toBe(0);
  });

  it('jitter is not queueing: 100–200 ms calls still reach the ceiling and stay there', () => {
    const rnd = draws(7);
    const limiter = new AimdLimiter({ initial: 2, max: 8 });
    const limits = drive(limiter, 200, () => 100 + 100 * rnd());
    expect(limits.slice(-100).every((l) => l === 8)).toBe(true);
  });

  it('a target that queues (calls take longer the more are in flight) is not pushed to the ceiling', () => {
    const limiter = new AimdLimiter({ initial: 2, max: 8 });
    const limits = drive(limiter, 200, (inFlight) => 10 * inFlight);
    // Fastest call seen: 20 ms at 2 in flight; beyond 4 in flight calls take over twice that.
    expect(Math.max(...limits.slice(-100))).toBeLessThanOrEqual(5);
    expect(Math.min(...limits.slice(-100))).toBeGreaterThanOrEqual(3);
    expect(limiter.snapshot().queueing).toBeGreaterThan(10);
  });

  it('with the check off (tolerance 0), the same queueing target is pushed to the ceiling', () => {
    const limiter = new AimdLimiter({ initial: 2, max: 8, queueingTolerance: 0 });
    expect(drive(limiter, 50, (inFlight) => 10 * inFlight).at(-1)).toBe(8);
    expect(limiter.snapshot().queueing).toBe(0);
  });

  it('calls without a latency (short batches) grow the limit on success alone', () => {
    const limiter = new AimdLimiter({ initial: 1, max: 6 });
    for (let i = 0; i < 10; i++) limiter.onSuccess();
    expect(limiter.snapshot().limit).toBe(6);
  });

  it('a target that becomes slower for good (3× for every call) gets the ceiling back once its new speed is the baseline', () => {
    const limiter = new AimdLimiter({ initial: 2, max: 8 });
    const limits = drive(limiter, 200, (_inFlight, round) => (round < 50 ? 10 : 30));
    expect(limits[49]).toBe(8);
    expect(Math.min(...limits.slice(50, 70))).toBeLessThan(8);
    expect(limits.at(-1)).toBe(8);
  });

  it('a 429 halves the limit once per epoch and ends slow start', () => {
    const limiter = new AimdLimiter({ initial: 8, max: 16 });
    limiter.onThrottle(0);
    limiter.onThrottle(0);
    expect(limiter.snapshot()).toMatchObject({ limit: 4, cuts: 1 });
    // Congestion avoidance: one more slot per window of `limit` successes, not one per success.
    for (let i = 0; i < 3; i++) limiter.onSuccess(10);
    expect(limiter.snapshot().limit).toBe(4);
    limiter.onSuccess(10);
    expect(limiter.snapshot().limit).toBe(5);
  });

  it('whatever the latencies and push-backs, the limit stays between its floor and its ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 32 }),
        fc.array(fc.oneof(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.constant(undefined), fc.constant('throttle' as const)), { maxLength: 300 }),
        (min, extra, events) => {
          const max = min + extra;
          const limiter = new AimdLimiter({ initial: min, max, min });
          for (const e of events) {
            if (e === 'throttle') limiter.onThrottle(limiter.snapshot().cuts);
            else limiter.onSuccess(e);
            const { limit } = limiter.snapshot();
            if (limit < min || limit > max) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe('waiting for a slot', () => {
  it('an abort wakes a parked caller at once, and the slot it waited for goes to the next one', async () => {
    const limiter = new AimdLimiter({ initial: 1, max: 1 });
    await limiter.acquire();
    const interrupt = new AbortController();
    const parked = limiter.acquire(interrupt.signal);
    const next = limiter.acquire();
    interrupt.abort(new Error('interrupted'));
    await expect(parked).rejects.toThrow('interrupted');
    limiter.release();
    // The released slot reaches the caller still waiting, not the aborted one.
    await expect(next).resolves.toBe(0);
    expect(limiter.snapshot().inFlight).toBe(1);
  });
});

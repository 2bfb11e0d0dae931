import { AimdLimiter, sleep } from '../delivery/aimd.ts';
import { backoffWithJitter } from '../delivery/backoff.ts';
import { RatePacer } from '../delivery/pacer.ts';

export interface Retryable {
  kind: 'retryable';
  reason: string;
  retryAfterMs?: number;
  throttled: boolean;
}

export interface AdaptiveReadOptions {
  initial: number;
  max: number;
  /** Calls per read before it is given up (then reported as unreadable). */
  maxAttempts: number;
  queueingTolerance?: number;
  signal?: AbortSignal;
}

/** A read given up after every attempt; the last reason. */
export interface GaveUp {
  kind: 'gave-up';
  reason: string;
}

/**
 * Reads the target the way `run` writes to it: adaptive concurrency (AIMD, cut on 429/503, held
 * back while calls queue), request-rate pacing after the first push-back, and a Retry-After that
 * delays only the read it came with. Each read waits for its own slot, so any number of callers
 * may call at once; at most the limiter's current limit are in flight.
 */
export class AdaptiveReads {
  private readonly limiter: AimdLimiter;
  /**
   * Reads are single calls of one size, so a cut of 5 % (not `run`'s 10 %) is enough to get back under
   * a rate limit, and the pacer then spends its time nearer the limit (on average ~97.5 % of it).
   */
  private readonly pacer = new RatePacer({ decrease: 0.95 });
  /**
   * The pacer sizes its first cut from the calls started in the last second. Push-back in the first
   * second would size it from a fraction of a second's calls, and the pacer would then climb from a
   * rate far below the limit; until a second has passed, AIMD alone backs off.
   */
  private firstCallAt: number | undefined;
  readonly totals = { calls: 0, throttled: 0, retries: 0 };

  constructor(private readonly options: AdaptiveReadOptions) {
    options.signal?.addEventListener(
      'abort',
      () => {
        const reason = options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted');
        for (const reject of this.waiting) reject(reason);
        this.waiting.clear();
      },
      { once: true },
    );
    this.limiter = new AimdLimiter({
      initial: Math.min(options.initial, options.max),
      max: options.max,
      ...(options.queueingTolerance !== undefined ? { queueingTolerance: options.queueingTolerance } : {}),
    });
  }

  get maxConcurrency(): number {
    return this.limiter.snapshot().maxInFlightSeen;
  }

  get limit(): number {
    return this.limiter.current;
  }

  /** Reads waiting for a slot, to be let go when the signal fires (one listener for all of them). */
  private readonly waiting = new Set<(err: Error) => void>();

  /**
   * A call slot; when the signal fires first, the wait ends then rather than at the next release
   * (with every call settled, there may be none). Nothing outlives the wait: a promise raced against
   * one long-lived abort promise kept a reaction per call (a million for a million users).
   */
  private slot(): Promise<number> {
    const signal = this.options.signal;
    if (signal === undefined) return this.limiter.acquire();
    if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const slot = this.limiter.acquire(signal);
    return new Promise<number>((resolve, reject) => {
      this.waiting.add(reject);
      slot.then(
        (epoch) => {
          this.waiting.delete(reject);
          resolve(epoch);
        },
        (err: unknown) => {
          this.waiting.delete(reject);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** Calls `fn` until it answers something other than `retryable`, or the attempts run out. Throws when the signal fires first. */
  async call<T extends { kind: string }>(fn: () => Promise<T | Retryable>): Promise<T | GaveUp> {
    for (let attempt = 1; ; attempt++) {
      const epoch = await this.slot();
      let result: T | Retryable;
      const rateEpoch = await this.pacer.take();
      const started = performance.now();
      this.firstCallAt ??= started;
      try {
        this.totals.calls += 1;
        result = await fn();
      } finally {
        this.limiter.release();
      }
      if (result.kind !== 'retryable') {
        this.limiter.onSuccess(performance.now() - started);
        return result as T;
      }
      const r = result as Retryable;
      if (r.throttled) {
        this.totals.throttled += 1;
        this.limiter.onThrottle(epoch);
        if (started - (this.firstCallAt ?? started) >= 1000) this.pacer.onThrottle(rateEpoch);
      }
      if (attempt >= this.options.maxAttempts) return { kind: 'gave-up', reason: `gave up after ${attempt} attempts: ${r.reason}` };
      this.totals.retries += 1;
      if (this.options.signal?.aborted) throw this.options.signal.reason ?? new Error('aborted');
      await sleep(r.retryAfterMs ?? backoffWithJitter(attempt));
    }
  }
}

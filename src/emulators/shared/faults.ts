import { createRng, stableFraction } from './rng.ts';
import type { Clock, FaultOptions } from './types.ts';

export interface FaultDraw {
  drop: boolean;
  /** A 5xx to answer instead of handling the request. */
  faultStatus: number | undefined;
  delayMs: number;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Every request draws the same number of random values in the same order, whatever is enabled, so
 * a seed reproduces one fault sequence for a sequential client even when options change.
 */
export class FaultInjector {
  private rng: () => number;
  private tokens: number;
  private lastRefill: number;

  constructor(
    readonly options: FaultOptions,
    private readonly clock: Clock,
  ) {
    this.rng = createRng(options.seed);
    this.tokens = this.capacity();
    this.lastRefill = clock();
  }

  reset(): void {
    this.rng = createRng(this.options.seed);
    this.tokens = this.capacity();
    this.lastRefill = this.clock();
  }

  private capacity(): number {
    return this.options.burst > 0 ? this.options.burst : Math.max(1, this.options.rateLimit);
  }

  /** Token bucket: `rateLimit` per second sustained, `burst` at once. */
  admitRate(): RateVerdict {
    const rate = this.options.rateLimit;
    if (rate <= 0) return { ok: true };
    const now = this.clock();
    this.tokens = Math.min(this.capacity(), this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitSeconds = (1 - this.tokens) / rate;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }

  draw(): FaultDraw {
    const o = this.options;
    const dropR = this.rng();
    const faultR = this.rng();
    const pickR = this.rng();
    const slowR = this.rng();
    const jitterR = this.rng();
    const statuses = o.faultStatuses.length > 0 ? o.faultStatuses : [503];
    let delayMs = o.latencyMs + (o.jitterMs > 0 ? Math.floor(jitterR * o.jitterMs) : 0);
    if (slowR < o.slowRate) delayMs += o.slowMs;
    return {
      drop: dropR < o.dropRate,
      faultStatus: faultR < o.faultRate ? statuses[Math.floor(pickR * statuses.length)] : undefined,
      delayMs,
    };
  }

  /** Sticky per user: the same id fails on every attempt under the same seed. */
  userFails(userKey: string): boolean {
    const rate = this.options.userFailureRate;
    return rate > 0 && stableFraction(this.options.seed, userKey) < rate;
  }
}

/**
 * Adaptive concurrency (AIMD). Starts slow-start fast, then grows by one slot per window of successes, halves on push-back at
 * most once per epoch (calls started before the last cut cannot cause another one, which is what
 * keeps a naive AIMD from collapsing under a burst of 429s). A Retry-After delays only the refused
 * call (the ledger schedules its users' retry), never everyone: stopping the world for one 429
 * measurably wastes most of a rate-limited target's capacity (reference/streams-and-delivery §4.3).
 */
export interface AimdOptions {
  initial: number;
  max: number;
  min?: number;
}

export interface AimdSnapshot {
  limit: number;
  inFlight: number;
  cuts: number;
  maxInFlightSeen: number;
}

export class AimdLimiter {
  private limit: number;
  private readonly max: number;
  private readonly min: number;
  private inFlight = 0;
  private successesInWindow = 0;
  private epoch = 0;
  private cuts = 0;
  private maxInFlightSeen = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(options: AimdOptions) {
    this.max = Math.max(1, options.max);
    this.min = Math.max(1, options.min ?? 1);
    this.limit = Math.min(this.max, Math.max(this.min, options.initial));
  }

  /** Wait for a slot; returns the epoch the call starts in, to pass back to `onThrottle`. */
  async acquire(signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (this.inFlight < Math.floor(this.limit)) {
        this.inFlight += 1;
        this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
        return this.epoch;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }

  onSuccess(): void {
    this.successesInWindow += 1;
    // Slow start until the first push-back: one more slot per success doubles the limit every
    // round trip, so a latency-bound target reaches its ceiling in a few calls, not a few hundred.
    const window = this.cuts === 0 ? 1 : Math.floor(this.limit);
    if (this.successesInWindow >= window && this.limit < this.max) {
      this.successesInWindow = 0;
      this.limit += 1;
      this.waiters.shift()?.();
    }
  }

  /** Push-back from the target: cut once per epoch. */
  onThrottle(startedInEpoch: number): void {
    if (startedInEpoch !== this.epoch) return;
    this.epoch += 1;
    this.cuts += 1;
    this.successesInWindow = 0;
    this.limit = Math.max(this.min, Math.floor(this.limit / 2));
  }

  snapshot(): AimdSnapshot {
    return { limit: Math.floor(this.limit), inFlight: this.inFlight, cuts: this.cuts, maxInFlightSeen: this.maxInFlightSeen };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

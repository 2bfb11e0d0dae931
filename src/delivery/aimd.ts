/**
 * Adaptive concurrency (AIMD). Starts slow-start fast, then grows by one slot per window of successes, halves on push-back at
 * most once per epoch (calls started before the last cut cannot cause another one, which is what
 * keeps a naive AIMD from collapsing under a burst of 429s). A Retry-After delays only the refused
 * call (the ledger schedules its users' retry), never everyone: stopping the world for one 429
 * measurably wastes most of a rate-limited target's capacity (reference/streams-and-delivery §4.3).
 *
 * A target that queues instead of refusing never pushes back: it answers later. Given call
 * latencies, the limiter also stops growing (and steps down by one) while calls take more than
 * `queueingTolerance` times the fastest call so far, as Vegas-style limiters do: more calls at once
 * would only wait longer there, and each holds a batch of users in memory meanwhile.
 */
export interface AimdOptions {
  initial: number;
  max: number;
  min?: number;
  /** Latency, as a multiple of the fastest call's, that counts as queueing; 0 turns the check off. Default 2. */
  queueingTolerance?: number;
}

export interface AimdSnapshot {
  limit: number;
  inFlight: number;
  cuts: number;
  maxInFlightSeen: number;
  /** Windows in which calls queued at the target, so the limit stepped down or stopped growing. */
  queueing: number;
}

export class AimdLimiter {
  private limit: number;
  private readonly max: number;
  private readonly min: number;
  private readonly tolerance: number;
  private inFlight = 0;
  private successesInWindow = 0;
  private latencySum = 0;
  private latencyCount = 0;
  private slowStart = true;
  private epoch = 0;
  private cuts = 0;
  private queueing = 0;
  private maxInFlightSeen = 0;
  /**
   * The fastest call so far: the target's latency without queueing. It never rises by itself, since
   * calls that queue behind this run's own would raise it; only at the floor, where nothing of this
   * run's queues, does a window of slow calls mean that the target itself became slower.
   */
  private fastest = Infinity;
  private windowFastest = Infinity;
  private readonly waiters: Array<() => void> = [];

  constructor(options: AimdOptions) {
    this.max = Math.max(1, options.max);
    this.min = Math.max(1, options.min ?? 1);
    this.limit = Math.min(this.max, Math.max(this.min, options.initial));
    this.tolerance = options.queueingTolerance ?? 2;
  }

  /** Calls allowed in flight now. */
  get current(): number {
    return Math.floor(this.limit);
  }

  /** Wait for a slot; returns the epoch the call starts in, to pass back to `onThrottle`. */
  async acquire(signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (this.inFlight < this.current) {
        this.inFlight += 1;
        this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
        return this.epoch;
      }
      await this.waitForSlot(signal);
    }
  }

  /**
   * Park until a slot may be free. An abort wakes the waiter at once and takes it off the list:
   * otherwise an interrupted run (Ctrl-C during a 429 storm) waits for a release that may not come.
   */
  private waitForSlot(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(wake);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }

  /**
   * A call succeeded. `latencyMs`, when given, is how long it took; give it only for calls of
   * comparable size (a full batch), since the check compares calls with one another.
   */
  onSuccess(latencyMs?: number): void {
    let queued = false;
    if (latencyMs !== undefined && this.tolerance > 0) {
      this.fastest = Math.min(this.fastest, latencyMs);
      this.windowFastest = Math.min(this.windowFastest, latencyMs);
      this.latencySum += latencyMs;
      this.latencyCount += 1;
      queued = latencyMs > this.tolerance * this.fastest;
    }
    if (this.slowStart) {
      // Slow start until the first push-back or queueing: one more slot per success doubles the
      // limit every round trip, so a latency-bound target reaches its ceiling in a few calls.
      if (queued) {
        this.slowStart = false;
        this.queueing += 1;
        this.newWindow();
      } else this.grow();
      return;
    }
    this.successesInWindow += 1;
    if (this.successesInWindow < this.current) return;
    // One decision per window of calls, on their mean: one slow call among fast ones is jitter.
    const queuedInWindow = this.latencyCount > 0 && this.latencySum / this.latencyCount > this.tolerance * this.fastest;
    const windowFastest = this.windowFastest;
    this.newWindow();
    if (!queuedInWindow) this.grow();
    else if (this.limit > this.min) {
      this.queueing += 1;
      this.limit -= 1;
    } else this.fastest = windowFastest;
  }

  /** Push-back from the target: cut once per epoch. */
  onThrottle(startedInEpoch: number): void {
    if (startedInEpoch !== this.epoch) return;
    this.epoch += 1;
    this.cuts += 1;
    this.slowStart = false;
    this.newWindow();
    this.limit = Math.max(this.min, Math.floor(this.limit / 2));
  }

  snapshot(): AimdSnapshot {
    return { limit: this.current, inFlight: this.inFlight, cuts: this.cuts, maxInFlightSeen: this.maxInFlightSeen, queueing: this.queueing };
  }

  private grow(): void {
    if (this.limit >= this.max) return;
    this.limit += 1;
    this.waiters.shift()?.();
  }

  private newWindow(): void {
    this.successesInWindow = 0;
    this.latencySum = 0;
    this.latencyCount = 0;
    this.windowFastest = Infinity;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

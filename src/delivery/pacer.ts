/**
 * Adaptive request-rate pacing. Concurrency limits alone cannot protect a rate-limited target that
 * answers fast: a single connection can then exceed its calls-per-second budget. The pacer stays
 * out of the way until the first push-back, then starts from the rate that was actually achieved,
 * cuts by 10 % at most once per epoch (the calls already in flight share one congestion signal), and
 * probes upward by ~2 % a second, so it spends most of its time just under the target's limit.
 */
export interface PacerOptions {
  /** Multiplicative cut on push-back. */
  decrease?: number;
  /** Additive increase per second without push-back, as a share of the current rate (minimum 0.5 call/s). */
  increasePerSecond?: number;
  minRate?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class RatePacer {
  private rate = Number.POSITIVE_INFINITY;
  private nextSlot = 0;
  private epoch = 0;
  private lastIncrease = 0;
  private readonly recent: number[] = [];
  private readonly decrease: number;
  private readonly increasePerSecond: number;
  private readonly minRate: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: PacerOptions = {}) {
    this.decrease = options.decrease ?? 0.9;
    this.increasePerSecond = options.increasePerSecond ?? 0.02;
    this.minRate = options.minRate ?? 0.2;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Wait for the next call slot; returns the epoch the call starts in. */
  async take(): Promise<number> {
    const now = this.now();
    this.recent.push(now);
    while (this.recent.length > 0 && (this.recent[0] ?? now) < now - 1000) this.recent.shift();
    if (!Number.isFinite(this.rate)) return this.epoch;
    this.grow(now);
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.sleep(slot - now);
    return this.epoch;
  }

  onThrottle(startedInEpoch: number): void {
    if (startedInEpoch !== this.epoch) return;
    this.epoch += 1;
    const now = this.now();
    const achieved = Math.max(this.minRate, this.recent.length);
    this.rate = Math.max(this.minRate, (Number.isFinite(this.rate) ? Math.min(this.rate, achieved * 1.5) : achieved) * this.decrease);
    this.lastIncrease = now;
    // Calls already scheduled keep their slots; new ones space out from now at the lower rate.
    this.nextSlot = Math.max(this.nextSlot, now + 1000 / this.rate);
  }

  private grow(now: number): void {
    const elapsed = now - this.lastIncrease;
    if (elapsed < 1000) return;
    const seconds = elapsed / 1000;
    this.rate += Math.max(0.5, this.rate * this.increasePerSecond) * seconds;
    this.lastIncrease = now;
  }

  /** Calls per second now allowed (Infinity until the target first pushes back). */
  current(): number {
    return this.rate;
  }
}

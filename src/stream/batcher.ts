/**
 * Collects messages from a push-style consumer and flushes them in batches, one flush at a time,
 * so the inbox commits many events per transaction while an event never waits more than
 * `maxDelayMs` for company when the inbox is idle.
 *
 * While a flush is in flight, arrivals wait and the next flush takes all of them (up to
 * `maxGroup`): when the inbox is slower than the input, batches grow instead of queueing up.
 * A commit's cost is mostly the pages it writes, which a bigger group shares among more events.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = 0;

  constructor(
    private readonly flushFn: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
    private readonly maxDelayMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly maxGroup = maxItems * 20,
  ) {}

  get size(): number {
    return this.items.length + this.pending;
  }

  push(item: T): void {
    this.items.push(item);
    // A flush in flight takes these when it is done.
    if (this.running) return;
    if (this.items.length >= this.maxItems) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
  }

  /** Flushes everything waiting (after the flush in flight, if any); resolves once it is all done. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      while (this.running) await this.running;
      if (this.items.length === 0) return;
      this.start(this.items.splice(0, this.maxGroup));
    }
  }

  private start(items: T[]): void {
    this.pending += items.length;
    this.running = this.flushFn(items)
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.pending -= items.length;
        this.running = undefined;
        // What arrived meanwhile goes at once, as one group.
        if (this.items.length > 0) this.start(this.items.splice(0, this.maxGroup));
      });
  }
}

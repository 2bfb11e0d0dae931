/**
 * Collects messages from a push-style consumer and flushes them in batches (on size or after a
 * short delay), one flush at a time, so the inbox commits many events per transaction while an
 * event never waits more than `maxDelayMs` for company.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly flushFn: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
    private readonly maxDelayMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.items.length + this.pending;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.maxItems) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return this.chain;
    const items = this.items;
    this.items = [];
    this.pending += items.length;
    this.chain = this.chain
      .then(() => this.flushFn(items))
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.pending -= items.length;
      });
    return this.chain;
  }
}

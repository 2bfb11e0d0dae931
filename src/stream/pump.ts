import type { AppendResult, IncomingEvent } from '../ledger/inbox/inbox.ts';
import { Batcher } from './batcher.ts';
import type { Delivery, DeliverySink, EventInput, InputSink } from './input.ts';

/**
 * A delivered message as the pump holds it until its commit: what it decoded to (or why decoding
 * threw) and how to settle it. Not the message itself: an item waits here long enough to outlive a
 * young-generation collection, and the message (headers, a view of the read buffer behind it) would
 * then be copied and promoted with it.
 */
interface Held {
  events: IncomingEvent[];
  failed: unknown;
  ack: (events: IncomingEvent[], stored: AppendResult) => void;
  nack: (err: unknown) => void;
}

const NOTHING: AppendResult = Object.freeze({ accepted: 0, duplicates: 0, dead: 0, ignored: 0 });

/** How long a failed commit waits before its messages are handed back: a failing inbox is not retried in a tight loop. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * The one place that keeps "acknowledge upstream only after the inbox commit". Each input hands its
 * messages here; the pump decodes them as they arrive (while the previous batch is being committed,
 * so decoding overlaps the inbox instead of waiting for it), groups them per the input's `batching`
 * (or commits each on its own), commits the events to the inbox through `sink` and only then acks
 * every message of the commit. A commit that fails nacks them all, after a short wait that grows
 * while commits keep failing; a message whose decoder threw is nacked the same way and the rest of
 * its batch goes on. Undecodable messages are not failures: the envelope turns them into dead letters, which
 * are committed (and counted, and logged by the sink) like any event.
 */
export class Pump<T> implements DeliverySink<T> {
  private readonly batcher: Batcher<Held> | undefined;
  /** Messages committed one by one that are not settled yet, and who waits for none to be left. */
  private unbatched = 0;
  private idle: (() => void)[] = [];
  private failures = 0;
  private stopping = false;
  private readonly retryCut = new AbortController();

  constructor(
    private readonly input: EventInput<T>,
    private readonly sink: InputSink,
    private readonly onError: (err: unknown) => void,
  ) {
    const b = input.batching;
    if (b) this.batcher = new Batcher<Held>((items) => this.commit(items), b.maxItems, b.lingerMs, onError);
  }

  /** Messages handed over and not yet settled. */
  get inFlight(): number {
    return (this.batcher?.size ?? 0) + this.unbatched;
  }

  deliver(d: Delivery<T>): void {
    const held: Held = { events: [], failed: undefined, ack: d.ack, nack: d.nack };
    try {
      held.events = this.input.decoder(d.raw);
    } catch (err) {
      held.failed = err ?? new Error('decoder failed');
    }
    if (this.batcher) return this.batcher.push(held);
    this.unbatched += 1;
    void this.commit([held])
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.unbatched -= 1;
        if (this.unbatched === 0) for (const f of this.idle.splice(0)) f();
      });
  }

  async settled(): Promise<void> {
    await this.batcher?.flush();
    if (this.unbatched > 0) await new Promise<void>((r) => this.idle.push(r));
  }

  /** From now on a failed commit hands its messages back at once: the input is closing. */
  stop(): void {
    this.stopping = true;
    this.retryCut.abort();
  }

  private async commit(items: Held[]): Promise<void> {
    const events: IncomingEvent[] = [];
    let failed: unknown;
    for (const h of items) {
      if (h.failed !== undefined) failed = h.failed;
      else for (const e of h.events) events.push(e);
    }
    let stored: AppendResult | undefined;
    try {
      stored = events.length > 0 ? await this.sink.ingest(events) : NOTHING;
    } catch (err) {
      failed = err;
    }
    // Acks are per message (never cumulative), so those stored go out at once, whatever else failed.
    if (stored) {
      for (const h of items) {
        if (h.failed !== undefined) continue;
        try {
          h.ack(h.events, stored);
        } catch (err) {
          this.onError(err);
        }
      }
    }
    if (failed === undefined) {
      this.failures = 0;
      return;
    }
    this.onError(failed);
    // A failing inbox (or a decoder that throws on a message) is not retried in a tight loop: the
    // next commit of this input waits too, which is the backpressure a broker needs.
    this.failures += 1;
    if (!this.stopping) await this.pause(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.failures - 1)));
    for (const h of items) {
      if (stored && h.failed === undefined) continue;
      try {
        h.nack(h.failed ?? failed);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    const signal = this.retryCut.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

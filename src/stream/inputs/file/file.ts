import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { Decoder } from '../../envelope/index.ts';
import type { Batching, Delivery, DeliverySink, EventInput } from '../../input.ts';

/** How long `stop` waits for the lines in flight to be stored (as the webhook waits for its requests). */
const STOP_WAIT_MS = 10_000;

/**
 * NDJSON replay (rehearsals): every line is one message. Re-reading after a restart is safe: the
 * inbox drops the event ids it already holds. At most two batches of lines are in flight (handed to
 * the pump and not yet acked): the file is read as fast as the inbox stores it, never into memory
 * as a whole. A line that was not stored (nack) is handed over again.
 */
export class FileInput implements EventInput {
  readonly kind = 'file';
  readonly batching: Batching;
  private done = false;
  private stopped = false;
  private reading: Promise<void> | undefined;
  private sink: DeliverySink | undefined;
  private inFlight = 0;
  /** The reader, waiting for acks to make room. */
  private room: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly path: string,
    readonly decoder: Decoder,
    private readonly batch = 500,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.batching = { maxItems: batch, lingerMs: 2 };
  }

  start(sink: DeliverySink): Promise<void> {
    this.sink = sink;
    this.reading = this.read(sink).catch((err: unknown) => this.onError(err));
    return Promise.resolve();
  }

  private async read(sink: DeliverySink): Promise<void> {
    const lines = readline.createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      if (this.stopped) break;
      n += 1;
      if (line.trim() === '') continue;
      while (this.inFlight >= 2 * this.batch && !this.stopped) await new Promise<void>((r) => (this.room = r));
      if (this.stopped) break;
      this.inFlight += 1;
      sink.deliver(this.delivery(line, `${this.path}:${n}`));
    }
    lines.close();
    await sink.settled();
    this.done = !this.stopped && this.inFlight === 0;
  }

  private delivery(body: string, transportId: string): Delivery {
    const d: Delivery = {
      raw: { body, headers: {}, input: this.name, transportId },
      ack: () => this.settle(),
      // Handed over again (the pump waits a little after a failed commit); a stopped input lets it go.
      nack: () => (this.stopped ? this.settle() : this.sink?.deliver(d)),
    };
    return d;
  }

  private settle(): void {
    this.inFlight -= 1;
    const room = this.room;
    this.room = undefined;
    room?.();
  }

  /** Waits for the lines in flight, but not for an inbox that never answers: what was not acked is read again next time. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.room?.();
    const timeout = new Promise<void>((r) => setTimeout(r, STOP_WAIT_MS).unref());
    await Promise.race([this.reading, timeout]);
    await Promise.race([this.sink?.settled(), timeout]);
  }

  get endpoint(): string {
    return this.path;
  }

  ready(): boolean {
    return this.sink !== undefined && !this.stopped;
  }

  drained(): Promise<boolean> {
    return Promise.resolve(this.done);
  }
}

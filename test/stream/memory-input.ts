import { EnvelopeConfig } from '../../src/stream/envelope/config.ts';
import type { AppendResult } from '../../src/ledger/inbox/inbox.ts';
import { createDecoder, type DecodeContext, type Decoder, type RawMessage } from '../../src/stream/envelope/index.ts';
import type { DeliverySink, EventInput } from '../../src/stream/input.ts';

/** An input the test feeds by hand: messages as a broker or an HTTP sender would deliver them. */
export class MemoryInput implements EventInput {
  readonly kind = 'memory';
  readonly decoder: Decoder;
  /** What `send` hands over in one go is committed in one go (the pump waits a tick for company). */
  readonly batching = { maxItems: 100_000, lingerMs: 0 };
  private sink: DeliverySink | undefined;
  /** Messages handed to the pump and not yet acked or nacked. */
  unsettled = 0;
  started = false;
  /** Senders still waiting for their answer: a stopped input lets them down (as a dropped connection does). */
  private readonly waiting = new Set<(err: Error) => void>();
  constructor(
    readonly name: string,
    envelope: unknown,
    ctx: DecodeContext,
  ) {
    this.decoder = createDecoder(EnvelopeConfig.parse(envelope), ctx);
  }
  start(sink: DeliverySink): Promise<void> {
    this.sink = sink;
    this.started = true;
    return Promise.resolve();
  }
  /** Hands `messages` over as one delivered batch; resolves with what their commit stored, rejects when it failed. */
  async send(...messages: Partial<RawMessage>[]): Promise<AppendResult> {
    const stored = messages.map(
      (m) =>
        new Promise<AppendResult>((resolve, reject) => {
          if (!this.started) return reject(new Error('input stopped'));
          this.unsettled += 1;
          this.waiting.add(reject);
          this.sink!.deliver({
            raw: { headers: {}, input: this.name, body: '', ...m },
            ack: (_events, r) => {
              this.unsettled -= 1;
              this.waiting.delete(reject);
              resolve(r);
            },
            nack: (err) => {
              this.unsettled -= 1;
              this.waiting.delete(reject);
              reject(err instanceof Error ? err : new Error(String(err)));
            },
          });
        }),
    );
    const results = await Promise.all(stored);
    return results[0] ?? { accepted: 0, duplicates: 0, dead: 0, ignored: 0 };
  }
  /** Waits a little for what is in flight; senders still waiting then see the input gone. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.race([this.sink?.settled(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    for (const reject of this.waiting) reject(new Error('input stopped'));
    this.waiting.clear();
  }
  ready(): boolean {
    return this.started;
  }
  drained(): Promise<boolean> {
    return Promise.resolve(this.unsettled === 0);
  }
}

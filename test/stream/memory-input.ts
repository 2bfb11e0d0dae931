import { EnvelopeConfig } from '../../src/config/sync.ts';
import type { AppendResult } from '../../src/ledger/inbox.ts';
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
  constructor(
    readonly name: string,
    envelope: unknown,
    ctx: DecodeContext,
  ) {
    this.decoder = createDecoder(EnvelopeConfig.parse(envelope), ctx);
  }
  start(sink: DeliverySink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }
  /** Hands `messages` over as one delivered batch; resolves with what their commit stored, rejects when it failed. */
  async send(...messages: Partial<RawMessage>[]): Promise<AppendResult> {
    const stored = messages.map(
      (m) =>
        new Promise<AppendResult>((resolve, reject) => {
          this.unsettled += 1;
          this.sink!.deliver({
            raw: { headers: {}, input: this.name, body: '', ...m },
            ack: (_events, r) => {
              this.unsettled -= 1;
              resolve(r);
            },
            nack: (err) => {
              this.unsettled -= 1;
              reject(err instanceof Error ? err : new Error(String(err)));
            },
          });
        }),
    );
    const results = await Promise.all(stored);
    return results[0] ?? { accepted: 0, duplicates: 0, dead: 0, ignored: 0 };
  }
  stop(): Promise<void> {
    return this.sink?.settled() ?? Promise.resolve();
  }
  ready(): boolean {
    return true;
  }
  drained(): Promise<boolean> {
    return Promise.resolve(this.unsettled === 0);
  }
}

import { EnvelopeConfig } from '../../src/config/sync.ts';
import type { AppendResult } from '../../src/ledger/inbox.ts';
import { createDecoder, type DecodeContext, type RawMessage } from '../../src/stream/envelope/index.ts';
import type { EventInput, InputSink } from '../../src/stream/input.ts';

/** An input the test feeds by hand: messages as a broker or an HTTP sender would deliver them. */
export class MemoryInput implements EventInput {
  readonly kind = 'memory';
  private sink: InputSink | undefined;
  private readonly decode;
  constructor(
    readonly name: string,
    envelope: unknown,
    ctx: DecodeContext,
  ) {
    this.decode = createDecoder(EnvelopeConfig.parse(envelope), ctx);
  }
  start(sink: InputSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }
  /** Decodes and ingests `messages` in one append (as one delivered batch); resolves once durable. */
  send(...messages: Partial<RawMessage>[]): Promise<AppendResult> {
    const events = messages.flatMap((m) => this.decode({ headers: {}, input: this.name, body: '', ...m }));
    return this.sink!.ingest(events);
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  ready(): boolean {
    return true;
  }
  drained(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

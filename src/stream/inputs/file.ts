import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { IncomingEvent } from '../../ledger/inbox.ts';
import type { Decoder } from '../envelope/index.ts';
import type { EventInput, InputSink } from '../input.ts';

/**
 * NDJSON replay (rehearsals): every line is one message. Re-reading after a restart is safe: the
 * inbox drops the event ids it already holds.
 */
export class FileInput implements EventInput {
  readonly kind = 'file';
  private done = false;
  private stopped = false;
  private reading: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly decoder: Decoder,
    private readonly batch = 500,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(sink: InputSink): Promise<void> {
    this.reading = this.read(sink).catch((err: unknown) => this.onError(err));
    return Promise.resolve();
  }

  private async read(sink: InputSink): Promise<void> {
    const lines = readline.createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    let buf: IncomingEvent[] = [];
    let n = 0;
    for await (const line of lines) {
      if (this.stopped) break;
      n += 1;
      if (line.trim() === '') continue;
      for (const e of this.decoder({ body: line, headers: {}, input: this.name, transportId: `${this.path}:${n}` })) buf.push(e);
      if (buf.length >= this.batch) {
        await sink.ingest(buf);
        buf = [];
      }
    }
    if (buf.length > 0) await sink.ingest(buf);
    this.done = !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.reading;
  }

  get endpoint(): string {
    return this.path;
  }

  ready(): boolean {
    return true;
  }

  drained(): Promise<boolean> {
    return Promise.resolve(this.done);
  }
}

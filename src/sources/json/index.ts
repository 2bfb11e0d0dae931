import type { JsonSourceConfig } from '../../config/source.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { streamJsonArray } from './array.ts';
import { describeJson } from './describe.ts';
import { readNdjson } from './ndjson.ts';
import { toRecord } from './record.ts';

export class JsonSource implements Source {
  readonly kind: string;
  readonly stableOrder = true;

  constructor(
    private readonly config: JsonSourceConfig,
    private readonly path: string,
  ) {
    this.kind = config.kind;
  }

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    if (this.config.kind === 'ndjson') {
      yield* readNdjson(this.path, this.config.maxLineLength, signal);
      return;
    }
    const label = this.config.pick ?? '';
    for await (const event of streamJsonArray(this.path, this.config.pick)) {
      if (signal?.aborted) return;
      if (!event.ok) {
        yield { position: `${label}[${event.after + 1}]`, data: {}, error: event.error };
        return;
      }
      yield toRecord(`${label}[${event.item.index}]`, event.item.value);
    }
  }

  async explainEmpty(): Promise<string> {
    const what = await describeJson(this.path);
    if (this.config.kind === 'ndjson') return `${this.path} holds no JSON lines (${what})`;
    const where = this.config.pick === undefined ? 'the document itself' : `"${this.config.pick}"`;
    return `${this.path} has no records at ${where}: it is ${what}; set source.pick to the key of the user list`;
  }
}

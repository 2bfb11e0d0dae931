import { stat } from 'node:fs/promises';
import type { Mapping } from '../config/mapping.ts';
import type { RawRecord } from '../model/raw-record.ts';
import type { ReadOptions, Source } from './source.ts';
import { SourceError } from './source-error.ts';

/**
 * Wraps a file source so that a read yielding no record at all is a fatal SourceError with the
 * reason, never "0 records, nothing to do" and exit 0: a migration reads a file because it holds
 * users. (A file holding only broken records yields those as rejects, which the run reports.)
 */
export class NonEmptySource implements Source {
  constructor(
    private readonly inner: Source,
    private readonly path: string,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }
  get defaultMapping(): Partial<Mapping> | undefined {
    return this.inner.defaultMapping;
  }
  get stableOrder(): boolean | undefined {
    return this.inner.stableOrder;
  }
  get columns(): readonly string[] | undefined {
    return this.inner.columns;
  }
  get columnPrefix(): string | undefined {
    return this.inner.columnPrefix;
  }

  async *read(signal?: AbortSignal, options?: ReadOptions): AsyncIterable<RawRecord> {
    let records = 0;
    for await (const record of this.inner.read(signal, options)) {
      records++;
      yield record;
    }
    if (records === 0 && !signal?.aborted) throw new SourceError(`no user records read: ${await this.explainEmpty()}`);
  }

  async explainEmpty(): Promise<string> {
    if (this.inner.explainEmpty) return this.inner.explainEmpty();
    const size = (await stat(this.path)).size;
    return size === 0 ? `${this.path} is empty (0 bytes)` : `${this.path} (${size} bytes) holds nothing this reader recognises as a user`;
  }

  async probe(signal?: AbortSignal): Promise<void> {
    if (this.inner.probe) return this.inner.probe(signal);
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      // The first record proves the file opens, decodes and has the structure the reader expects.
      for await (const record of this.read(controller.signal)) {
        void record;
        break;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
}

import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { CsvSourceConfig } from '../../config/source.ts';
import type { RawRecord, Source } from '../source.ts';
import { CsvParser, type CsvRow } from './parser.ts';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);

type Encoding = 'utf8' | 'latin1' | 'utf16le';

function normaliseEncoding(e: CsvSourceConfig['encoding']): Encoding {
  return e === 'utf-8' ? 'utf8' : e;
}

/** Strip a byte order mark; a UTF-8 BOM is stripped whatever encoding was configured. */
function stripBom(chunk: Buffer, encoding: Encoding): Buffer {
  if (chunk.subarray(0, 3).equals(UTF8_BOM)) return chunk.subarray(3);
  if (encoding === 'utf16le' && chunk.subarray(0, 2).equals(UTF16LE_BOM)) return chunk.subarray(2);
  return chunk;
}

export interface CsvSourceOptions {
  /** Read from this path instead of `config.path` (already resolved against a base directory). */
  path?: string;
}

export class CsvSource implements Source {
  readonly kind = 'csv';
  readonly stableOrder = true;

  constructor(
    private readonly config: CsvSourceConfig,
    private readonly options: CsvSourceOptions = {},
  ) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const encoding = normaliseEncoding(this.config.encoding);
    const parser = new CsvParser({
      delimiter: this.config.delimiter,
      quote: this.config.quote,
      maxFieldLength: this.config.maxFieldLength,
      maxRecordLines: this.config.maxRecordLines,
    });
    const header = new Header(this.config.columns, encoding);
    const decoder = new StringDecoder(encoding);
    const stream = createReadStream(this.options.path ?? this.config.path, { highWaterMark: 256 * 1024 });
    let first = true;
    try {
      for await (const raw of stream as AsyncIterable<Buffer>) {
        if (signal?.aborted) return;
        const chunk = first ? stripBom(raw, encoding) : raw;
        first = false;
        for (const row of parser.push(decoder.write(chunk))) {
          const record = header.toRecord(row);
          if (record) yield record;
        }
      }
      for (const row of parser.push(decoder.end())) {
        const record = header.toRecord(row);
        if (record) yield record;
      }
      for (const row of parser.end()) {
        const record = header.toRecord(row);
        if (record) yield record;
      }
    } finally {
      stream.destroy();
    }
  }
}

/** Turns rows into records: the first row names the columns unless the config does. */
class Header {
  private names: string[] | undefined;

  constructor(
    columns: string[] | undefined,
    private readonly encoding: Encoding,
  ) {
    if (columns) this.names = checkNames(columns);
  }

  toRecord(row: CsvRow): RawRecord | undefined {
    const position = `line ${row.line}`;
    if (!this.names) {
      if (row.error !== undefined) throw new Error(`CSV header (${position}) cannot be read: ${row.error}`);
      this.names = checkNames(row.fields.map((f) => f.trim()));
      return undefined;
    }
    if (row.error !== undefined) return { position, data: {}, error: row.error };
    const names = this.names;
    if (row.fields.length !== names.length) {
      return { position, data: {}, error: `expected ${names.length} columns, found ${row.fields.length}` };
    }
    const data: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const value = row.fields[i] as string;
      // A decoder substitutes U+FFFD for bytes that are not valid in the encoding.
      if (this.encoding !== 'latin1' && value.includes('\uFFFD')) {
        return {
          position,
          data: {},
          error: `column "${name}" is not valid ${this.encoding === 'utf8' ? 'UTF-8' : 'UTF-16'} (is the file in another encoding? set source.encoding, e.g. latin1)`,
        };
      }
      data[name] = value;
    }
    return { position, data };
  }
}

function checkNames(names: string[]): string[] {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '')
      throw new Error(`CSV column ${i + 1} has no name; name it in the header or in source.columns`);
    if (seen.has(name)) throw new Error(`CSV column "${name}" appears twice in the header`);
    seen.add(name);
  });
  return names;
}

import type { CsvSourceConfig } from '../../config/source.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { SourceError } from '../source-error.ts';
import { readText, textEncoding } from '../text-file.ts';
import { CsvParser, type CsvRow } from './parser.ts';

export interface CsvSourceOptions {
  /** Read from this path instead of `config.path` (already resolved against a base directory). */
  path?: string;
  /**
   * For header-less vendor files whose layout changed over time (Firebase's 26 and 28 columns):
   * the column names for a row with this many fields, or why that count fits no layout.
   */
  columnsFor?: (fields: number) => readonly string[] | string;
}

export class CsvSource implements Source {
  readonly kind = 'csv';
  readonly stableOrder = true;

  constructor(
    private readonly config: CsvSourceConfig,
    private readonly options: CsvSourceOptions = {},
  ) {}

  private header: Header | undefined;
  private bytes = 0;

  /** The column names, once the header has been read (or configured). */
  get columns(): readonly string[] | undefined {
    return this.header?.columns ?? this.config.columns;
  }

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const parser = new CsvParser({
      delimiter: this.config.delimiter,
      quote: this.config.quote,
      maxFieldLength: this.config.maxFieldLength,
      maxRecordLines: this.config.maxRecordLines,
    });
    const header = new Header(this.config.columns, this.options.columnsFor);
    this.header = header;
    const path = this.options.path ?? this.config.path;
    for await (const text of readText(path, textEncoding(this.config.encoding), (info) => (this.bytes = info.bytes))) {
      if (signal?.aborted) return;
      for (const row of parser.push(text)) {
        const record = header.toRecord(row);
        if (record) yield record;
      }
    }
    for (const row of parser.end()) {
      const record = header.toRecord(row);
      if (record) yield record;
    }
  }

  /** Why a read yielded no record (the zero-record guard asks). */
  explainEmpty(): string {
    const path = this.options.path ?? this.config.path;
    if (this.bytes === 0) return `${path} is empty (0 bytes)`;
    const columns = this.header?.columns;
    if (columns && this.config.columns === undefined) {
      return `${path} has a header row (${columns.length} columns: ${columns.slice(0, 8).join(', ')}${columns.length > 8 ? ', …' : ''}) and no data rows`;
    }
    return `${path} (${this.bytes} bytes) holds no CSV rows`;
  }
}

/** Turns rows into records: the first row names the columns unless the config does. */
class Header {
  private names: string[] | undefined;

  constructor(
    columns: string[] | undefined,
    private readonly columnsFor?: (fields: number) => readonly string[] | string,
  ) {
    if (columns) this.names = checkNames(columns);
  }

  get columns(): readonly string[] | undefined {
    return this.names;
  }

  toRecord(row: CsvRow): RawRecord | undefined {
    const position = `line ${row.line}`;
    if (this.columnsFor) {
      if (row.error !== undefined) return { position, data: {}, error: row.error };
      const layout = this.columnsFor(row.fields.length);
      if (typeof layout === 'string') return { position, data: {}, error: layout };
      this.names ??= [...layout];
      const data: Record<string, string> = {};
      for (let i = 0; i < layout.length; i++) data[layout[i] as string] = row.fields[i] as string;
      return { position, data };
    }
    if (!this.names) {
      if (row.error !== undefined) throw new SourceError(`CSV header (${position}) cannot be read: ${row.error}`);
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
      data[name] = row.fields[i] as string;
    }
    return { position, data };
  }
}

function checkNames(names: string[]): string[] {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '')
      throw new SourceError(`CSV column ${i + 1} has no name; name it in the header or in source.columns`);
    if (seen.has(name)) throw new SourceError(`CSV column "${name}" appears twice in the header`);
    seen.add(name);
  });
  return names;
}

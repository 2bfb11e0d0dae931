import type { SqlSourceConfig } from '../../config/source.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { ReadOptions, Source } from '../source.ts';
import type { Row } from './row.ts';

/**
 * Any SELECT on PostgreSQL (server-side cursor) or MySQL/MariaDB (streamed result set). With
 * `updatedAt`, the query is wrapped to return only rows changed at or after the cursor, oldest
 * first; each record carries its own cursor. `>=` re-reads rows sharing the last timestamp, which
 * the ledger's fingerprints turn into no-ops, and never misses a row committed in the same instant.
 */
export class SqlSource implements Source {
  readonly kind = 'sql';

  constructor(private readonly config: SqlSourceConfig) {}

  async *read(signal?: AbortSignal, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    const since = options.since ?? (this.config.since === undefined ? undefined : String(this.config.since));
    const { sql, params } = this.statement(since);
    // The driver loads only when it is used: each costs a few hundred ms of start-up, on every thread.
    const rows =
      this.config.driver === 'postgres'
        ? (await import('./postgres.ts')).readPostgres(this.config, sql, params, signal)
        : (await import('./mysql.ts')).readMysql(this.config, sql, params, signal);
    let n = 0;
    for await (const row of rows) {
      n++;
      const data = normaliseRow(row);
      const key = this.config.key === undefined ? undefined : data[this.config.key];
      const record: RawRecord = {
        position: key === undefined || key === null ? `row ${n}` : `${this.config.key}=${String(key)}`,
        data,
      };
      if (this.config.updatedAt !== undefined) {
        const c = data[this.config.updatedAt];
        if (c !== undefined && c !== null) record.cursor = String(c);
      }
      yield record;
    }
  }

  private statement(since: string | undefined): { sql: string; params: unknown[] } {
    const query = this.config.query.trim().replace(/;\s*$/, '');
    const column = this.config.updatedAt;
    if (column === undefined) return { sql: query, params: [] };
    const q =
      this.config.driver === 'postgres'
        ? `"${column.replaceAll('"', '""')}"`
        : `\`${column.replaceAll('`', '``')}\``;
    const placeholder = this.config.driver === 'postgres' ? '$1' : '?';
    const where = since === undefined ? '' : ` WHERE src.${q} >= ${placeholder}`;
    return {
      sql: `SELECT * FROM (${query}) AS src${where} ORDER BY src.${q}`,
      params: since === undefined ? [] : [since],
    };
  }
}

/** Dates become ISO strings (so cursors and mapping see one form), bigints text, binary UTF-8 text when it is. */
function normaliseRow(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof Date) out[k] = Number.isNaN(v.getTime()) ? null : v.toISOString();
    else if (typeof v === 'bigint') out[k] = v.toString();
    else if (Buffer.isBuffer(v)) {
      const text = v.toString('utf8');
      out[k] = Buffer.from(text, 'utf8').equals(v) ? text : v.toString('base64');
    } else out[k] = v;
  }
  return out;
}

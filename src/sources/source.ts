import type { Mapping } from '../config/mapping.ts';

/**
 * A source yields raw records from a legacy export as an async iterable, in constant memory.
 * `position` says where a record came from (a line number, a key) so a reject can name it.
 */
export interface RawRecord {
  /** 1-based line for line-oriented files, record index or key otherwise, e.g. `line 42`, `users[17]`. */
  position: string;
  /** The record as read: column → value for CSV, the parsed object for JSON-like sources. */
  data: Record<string, unknown>;
  /** Set when the source itself could not read the record (bad quoting, invalid JSON line, …). */
  error?: string;
  /**
   * What the source noticed about an otherwise good record, e.g. a database user the hash export
   * has no hash for. The mapper passes them on; the plan lists them per user.
   */
  notes?: string[];
  /**
   * For incremental sources: the record's change cursor (its `updatedAt` value). Store the highest
   * one seen after a run finishes and pass it back as `ReadOptions.since` for the next delta.
   */
  cursor?: string;
}

export interface ReadOptions {
  /** Only records changed after this cursor (sources that support deltas; others ignore it). */
  since?: string;
}

export interface Source {
  readonly kind: string;
  /** For vendor exports read into the normalised shape: the mapping that `mapping` in the config overrides. */
  readonly defaultMapping?: Partial<Mapping>;
  /**
   * True when every read yields the same records in the same order (a file): a reader may then
   * skip the first n records another reader has handled. Databases and directories promise no order.
   */
  readonly stableOrder?: boolean;
  read(signal?: AbortSignal, options?: ReadOptions): AsyncIterable<RawRecord>;
  /**
   * The file's column names, once a read has passed its header (CSV-shaped sources). With
   * `columnPrefix` they sit under that path in the record (`raw.` for vendor CSVs).
   */
  readonly columns?: readonly string[] | undefined;
  readonly columnPrefix?: string;
  /** Why a read yielded no record at all; the zero-record guard puts it in its fatal error. */
  explainEmpty?(): string | Promise<string>;
  /**
   * A cheap check that the source can be read as configured, for `config check` and before a run:
   * throws SourceError. Without it, the first record is read.
   */
  probe?(signal?: AbortSignal): Promise<void>;
}

import type { Mapping } from '../config/mapping.ts';
import type { RawRecord } from '../model/raw-record.ts';

export interface ReadOptions {
  /** Only records changed after this cursor (sources that support deltas; others ignore it). */
  since?: string;
}

/** Yields the raw records (model/raw-record.ts) of a legacy export as an async iterable, in constant memory. */
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

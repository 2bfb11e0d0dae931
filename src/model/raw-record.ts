/**
 * One record of a legacy export as a source read it, before mapping (sources/ yield them, mapping/
 * turns them into users). `position` says where it came from (a line number, a key) so a reject
 * can name it.
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

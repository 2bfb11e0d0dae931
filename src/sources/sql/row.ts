/** One row as a database driver returns it (column → value), before `normaliseRow` makes it a record. */
export type Row = Record<string, unknown>;

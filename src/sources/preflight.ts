import type { Mapping } from '../config/mapping.ts';
import { checkMappedColumns } from '../mapping/columns.ts';
import { mergeMappings } from '../mapping/merge.ts';
import type { Source } from './source.ts';

/**
 * Before anything is read for real: the source opens, decodes and has the structure its reader
 * expects (probe), and every column the mapping names is in the file's header. Throws with the
 * reason; `config check`, `plan` and `run` all call it, so a bad file stops each of them the same way.
 */
export async function preflight(source: Source, mapping: Mapping, signal?: AbortSignal): Promise<void> {
  if (!source.probe) return;
  await source.probe(signal);
  const columns = source.columns;
  if (columns === undefined) return;
  const merged = source.defaultMapping ? mergeMappings(source.defaultMapping, mapping) : mapping;
  checkMappedColumns(merged, columns, source.columnPrefix ?? '');
}

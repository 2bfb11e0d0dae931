import type { Mapping } from '../../config/mapping.ts';
import { compileField } from '../../mapping/compile.ts';
import { normaliseSpec } from '../../mapping/fields.ts';
import type { Mapper } from '../../mapping/index.ts';
import { str } from './common.ts';

/**
 * The legacy id a legacy record names, read as the mapping reads `sourceId` (and only that: a partial
 * change, or a delete's key-only row, is not a whole user). Without a `sourceId` field in the mapping
 * (a user module sets it), the whole record is mapped and its `sourceId` taken, when it maps.
 */
export function subjectResolver(mapping: Mapping | undefined, mapper?: Mapper): ((record: Record<string, unknown>) => string | undefined) | undefined {
  const spec = mapping?.fields?.sourceId;
  if (spec !== undefined) {
    const resolve = compileField(normaliseSpec(spec), 'sourceId');
    return (record) => {
      try {
        return str(resolve(record));
      } catch {
        return undefined;
      }
    };
  }
  if (!mapper) return undefined;
  return (record) => {
    const r = mapper.map({ position: 'subject', data: record });
    return r.ok ? r.user.sourceId : undefined;
  };
}

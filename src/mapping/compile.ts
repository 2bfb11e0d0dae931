import type { Transform } from '../config/mapping.ts';
import { parseDate, parseDateTime } from './dates.ts';
import { attributeValue, COERCE, ISO_DAY, ISO_INSTANT, scalarText, type SpecOptions } from './fields.ts';
import { compileGetter, isAbsent } from './path.ts';
import { TransformError } from './transform-error.ts';
import { applyTransform, splitList, toBoolean, toE164 } from './transforms.ts';

/** One field's value from a record; `undefined` leaves the field out. Throws TransformError. */
export type FieldResolver = (data: Record<string, unknown>) => unknown;

/**
 * `resolveField(spec, data, target)` with every decision that depends only on the spec taken once,
 * when the mapper is built, instead of for every record: which paths to read, which transforms,
 * which coercion. test/mapping/compile.test.ts holds the two equal.
 */
export function compileField(spec: SpecOptions, target?: string): FieldResolver {
  const select = compileSelect(spec);
  const list = transformList(spec);
  const convert = compileConvert(spec, list);
  const finish = target === undefined ? attributeValue : compileCoerce(target, spec);
  const fallback = spec.default;
  const emptyAsNull = list.includes('empty-as-null');
  const values = spec.values;
  const absentResult = target === undefined ? null : undefined;
  return (data) => {
    let value = select(data);
    if (isAbsent(value)) {
      if (fallback !== undefined) value = fallback;
      else if (emptyAsNull) return null;
      else return undefined;
    }
    if (convert !== undefined) value = convert(value);
    if (
      values !== undefined &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    ) {
      const key = String(value);
      if (Object.hasOwn(values, key)) value = values[key];
    }
    if (isAbsent(value)) return value === null ? absentResult : undefined;
    return finish(value);
  };
}

function compileSelect(spec: SpecOptions): FieldResolver {
  if (spec.value !== undefined) {
    const constant = spec.value;
    return () => constant;
  }
  const paths = spec.from === undefined ? [] : Array.isArray(spec.from) ? spec.from : [spec.from];
  const getters = paths.map(compileGetter);
  const [only] = getters;
  // One path: an empty value needs no mapping to undefined, the caller treats both as absent.
  if (getters.length === 1 && only !== undefined) return only;
  return (data) => {
    for (const get of getters) {
      const v = get(data);
      if (!isAbsent(v)) return v;
    }
    return undefined;
  };
}

function transformList(spec: SpecOptions): Transform[] {
  return spec.transform === undefined ? [] : Array.isArray(spec.transform) ? spec.transform : [spec.transform];
}

function compileConvert(spec: SpecOptions, list: readonly Transform[]): ((value: unknown) => unknown) | undefined {
  if (list.length === 0) return undefined;
  const [only] = list;
  if (list.length === 1 && only !== undefined) return (value) => applyTransform(only, value, spec);
  return (value) => {
    for (const t of list) value = applyTransform(t, value, spec);
    return value;
  };
}

/** The coercion `coerce` in fields.ts applies to `target`, chosen once. */
function compileCoerce(target: string, spec: SpecOptions): (value: unknown) => unknown {
  switch (COERCE[target]) {
    case 'string':
      return scalarText;
    case 'email':
      return (value) => (typeof value === 'string' ? value.trim() : scalarText(value));
    case 'boolean':
      return toBoolean;
    case 'phone': {
      const region = spec.defaultRegion;
      return (value) => toE164(value, region);
    }
    case 'date': {
      const format = spec.format;
      return (value) =>
        typeof value === 'string' && ISO_DAY.test(value) ? parseDate(value) : parseDate(value, format);
    }
    case 'datetime': {
      const format = spec.format;
      return (value) =>
        typeof value === 'string' && ISO_INSTANT.test(value) ? parseDateTime(value) : parseDateTime(value, format);
    }
    case 'list': {
      const separator = spec.separator;
      return (value) => splitList(value, separator);
    }
    case 'array':
      return (value) => {
        if (!Array.isArray(value)) throw new TransformError('expected a list');
        return value;
      };
    case 'name':
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new TransformError('expected a name object (use transform split-name for a full name)');
        }
        return value;
      };
    default:
      return (value) => value;
  }
}

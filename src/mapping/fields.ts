import type { FieldSpec, Transform } from '../config/mapping.ts';
import { parseDate, parseDateTime } from './dates.ts';
import { getPath, isAbsent } from './path.ts';
import { TransformError } from './transform-error.ts';
import { applyTransform, splitList, toBoolean, toE164 } from './transforms.ts';

export type SpecOptions = Exclude<FieldSpec, string>;

/** Canonical User fields a mapping may write, and how a source value is coerced into each. */
export const COERCE: Readonly<Record<
  string,
  'string' | 'boolean' | 'datetime' | 'date' | 'phone' | 'email' | 'list' | 'array' | 'name'
>> = {
  sourceId: 'string',
  status: 'string',
  email: 'email',
  emailVerified: 'boolean',
  phone: 'phone',
  phoneVerified: 'boolean',
  username: 'string',
  name: 'name',
  'name.given': 'string',
  'name.family': 'string',
  'name.middle': 'string',
  'name.nickname': 'string',
  'name.display': 'string',
  locale: 'string',
  zoneinfo: 'string',
  birthdate: 'date',
  gender: 'string',
  picture: 'string',
  'address.formatted': 'string',
  'address.street': 'string',
  'address.locality': 'string',
  'address.region': 'string',
  'address.postalCode': 'string',
  'address.country': 'string',
  mfa: 'array',
  identities: 'array',
  groups: 'list',
  roles: 'list',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  lastLoginAt: 'datetime',
};

export const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const MAPPABLE_FIELDS: ReadonlySet<string> = new Set(Object.keys(COERCE));

export function normaliseSpec(spec: FieldSpec): SpecOptions {
  return typeof spec === 'string' ? { from: spec } : spec;
}

/** The raw value a spec selects: a constant, the first non-empty of its `from` paths, or its default. */
function select(spec: SpecOptions, data: Record<string, unknown>): unknown {
  if (spec.value !== undefined) return spec.value;
  const paths = spec.from === undefined ? [] : Array.isArray(spec.from) ? spec.from : [spec.from];
  for (const path of paths) {
    const v = getPath(data, path);
    if (!isAbsent(v)) return v;
  }
  return undefined;
}

function transforms(spec: SpecOptions): Transform[] {
  return spec.transform === undefined
    ? []
    : Array.isArray(spec.transform)
      ? spec.transform
      : [spec.transform];
}

/**
 * Resolves one field spec against a record: the reference semantics of a field mapping, kept
 * readable; the mapper runs compile.ts's specialisation of it, held equal by test/mapping/compile.test.ts. Returns `undefined` when the source has no value (and
 * no default), so the field is left out. Throws TransformError when a value cannot be converted.
 */
export function resolveField(spec: SpecOptions, data: Record<string, unknown>, target?: string): unknown {
  let value = select(spec, data);
  const list = transforms(spec);
  if (isAbsent(value)) {
    if (spec.default !== undefined) value = spec.default;
    else if (list.includes('empty-as-null')) return null;
    else return undefined;
  }
  for (const t of list) value = applyTransform(t, value, spec);
  if (
    spec.values !== undefined &&
    (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
  ) {
    const key = String(value);
    if (Object.hasOwn(spec.values, key)) value = spec.values[key];
  }
  if (isAbsent(value)) return value === null && target === undefined ? null : undefined;
  return target === undefined ? attributeValue(value) : coerce(target, value, spec);
}

function coerce(target: string, value: unknown, spec: SpecOptions): unknown {
  switch (COERCE[target]) {
    case 'string':
      return scalarText(value);
    case 'email':
      return typeof value === 'string' ? value.trim() : scalarText(value);
    case 'boolean':
      return toBoolean(value);
    case 'phone':
      return toE164(value, spec.defaultRegion);
    case 'date':
      // A transform may already have produced the canonical form; the format then no longer applies.
      return typeof value === 'string' && ISO_DAY.test(value)
        ? parseDate(value)
        : parseDate(value, spec.format);
    case 'datetime':
      return typeof value === 'string' && ISO_INSTANT.test(value)
        ? parseDateTime(value)
        : parseDateTime(value, spec.format);
    case 'list':
      return splitList(value, spec.separator);
    case 'array':
      if (!Array.isArray(value)) throw new TransformError('expected a list');
      return value;
    case 'name':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new TransformError('expected a name object (use transform split-name for a full name)');
      }
      return value;
    default:
      return value;
  }
}

export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  throw new TransformError('expected text');
}

/** Custom attributes take text, numbers, booleans, null and lists of text. */
export function attributeValue(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)
    return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new TransformError('an attribute must be text, a number, a boolean or a list of text');
}

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { fastE164 } from './phone.ts';
import type { FieldSpec, Transform } from '../config/mapping.ts';
import { fromEpoch, parseDate, parseDateTime } from './dates.ts';
import { TransformError } from './transform-error.ts';

type SpecOptions = Exclude<FieldSpec, string>;

const TRUE = new Set(['true', 't', 'yes', 'y', '1', 'on']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0', 'off']);

function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  throw new TransformError(`${what} needs text`);
}

export function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
  }
  throw new TransformError('expected a boolean (true/false, yes/no, 1/0)');
}

export function toNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    if (Number.isFinite(n)) return n;
  }
  throw new TransformError('expected a number');
}

export function toE164(value: unknown, defaultRegion?: string): string {
  const raw = text(value, 'a phone number').trim();
  const fast = fastE164(raw);
  if (fast !== undefined) {
    if (fast === false) throw new TransformError('not a valid phone number');
    return fast;
  }
  const phone = parsePhoneNumberFromString(raw, defaultRegion?.toUpperCase() as CountryCode | undefined);
  if (!phone || !phone.isValid()) {
    const hint =
      !raw.startsWith('+') && !raw.startsWith('00') && !defaultRegion
        ? ' (a national number needs defaultRegion)'
        : '';
    throw new TransformError(`not a valid phone number${hint}`);
  }
  return phone.number;
}

export function splitList(value: unknown, separator = ','): string[] {
  if (Array.isArray(value))
    return value
      .filter((v) => v !== null && v !== undefined && v !== '')
      .map((v) => text(v, 'a list item').trim())
      .filter((v) => v !== '');
  return text(value, 'a list')
    .split(separator)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * "Given Middle Family" or "Family, Given Middle". Names do not split reliably in general, so the
 * result keeps the original as `display`; a user module can do better for a known population.
 */
export function splitName(value: unknown): {
  given?: string;
  middle?: string;
  family?: string;
  display: string;
} {
  const full = text(value, 'a name').trim().replace(/\s+/g, ' ');
  const comma = full.indexOf(',');
  let given: string[];
  let family: string | undefined;
  if (comma >= 0) {
    family = full.slice(0, comma).trim() || undefined;
    given = full
      .slice(comma + 1)
      .trim()
      .split(' ')
      .filter(Boolean);
  } else {
    const parts = full.split(' ');
    family = parts.length > 1 ? parts.pop() : undefined;
    given = parts;
  }
  const result: { given?: string; middle?: string; family?: string; display: string } = { display: full };
  if (given[0]) result.given = given[0];
  if (given.length > 1) result.middle = given.slice(1).join(' ');
  if (family) result.family = family;
  return result;
}

export function applyTransform(name: Transform, value: unknown, spec: SpecOptions): unknown {
  switch (name) {
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'lowercase':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'uppercase':
      return typeof value === 'string' ? value.toUpperCase() : value;
    case 'boolean':
      return toBoolean(value);
    case 'number':
      return toNumber(value);
    case 'e164':
      return toE164(value, spec.defaultRegion);
    case 'date':
      return parseDate(value, spec.format);
    case 'datetime':
      return parseDateTime(value, spec.format);
    case 'epoch-seconds':
      return fromEpoch(value, 'seconds');
    case 'epoch-millis':
      return fromEpoch(value, 'millis');
    case 'split-list':
      return splitList(value, spec.separator);
    case 'split-name':
      return splitName(value);
    case 'empty-as-null':
      return value === '' || value === undefined ? null : value;
  }
}

/** Date and time parsing for the `date`, `datetime` and epoch transforms. Results are always UTC ISO strings. */
import { canonicalInstant } from './instant.ts';
import { TransformError } from './transform-error.ts';

const TOKEN = /YYYY|YY|MM|M|DD|D|HH|H|mm|ss|SSS/g;
const TOKEN_PATTERN: Record<string, string> = {
  YYYY: '(\\d{4})',
  YY: '(\\d{2})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  DD: '(\\d{2})',
  D: '(\\d{1,2})',
  HH: '(\\d{2})',
  H: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  SSS: '(\\d{3})',
};

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const compiled = new Map<string, { re: RegExp; tokens: string[] }>();

function compile(format: string): { re: RegExp; tokens: string[] } {
  let entry = compiled.get(format);
  if (!entry) {
    const tokens: string[] = [];
    let source = '';
    let last = 0;
    for (const m of format.matchAll(TOKEN)) {
      source += escape(format.slice(last, m.index)) + (TOKEN_PATTERN[m[0]] ?? '');
      tokens.push(m[0]);
      last = m.index + m[0].length;
    }
    source += escape(format.slice(last));
    entry = { re: new RegExp(`^${source}$`), tokens };
    compiled.set(format, entry);
  }
  return entry;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function byFormat(value: string, format: string): Parts {
  const { re, tokens } = compile(format);
  const m = re.exec(value.trim());
  if (!m) throw new TransformError(`does not match the date format ${format}`);
  const p: Parts = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
  tokens.forEach((token, i) => {
    const n = Number(m[i + 1]);
    if (token === 'YYYY') p.year = n;
    else if (token === 'YY') p.year = n < 70 ? 2000 + n : 1900 + n;
    else if (token === 'MM' || token === 'M') p.month = n;
    else if (token === 'DD' || token === 'D') p.day = n;
    else if (token === 'HH' || token === 'H') p.hour = n;
    else if (token === 'mm') p.minute = n;
    else if (token === 'ss') p.second = n;
    else if (token === 'SSS') p.ms = n;
  });
  return p;
}

function toDate(p: Parts): Date {
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.ms));
  // Date.UTC rolls 31.02. over into March; a real calendar date survives the round trip.
  if (
    d.getUTCFullYear() !== p.year ||
    d.getUTCMonth() !== p.month - 1 ||
    d.getUTCDate() !== p.day ||
    p.hour > 23 ||
    p.minute > 59 ||
    p.second > 59
  ) {
    throw new TransformError('is not a real calendar date');
  }
  return d;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 / RFC 3339 and the SQL `YYYY-MM-DD HH:MM:SS[.fff]` form; no offset means UTC.
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** `YYYY-MM-DD`, from a formatted string, an ISO date or datetime, or a Date. */
export function parseDate(value: unknown, format?: string): string {
  if (value instanceof Date) return isoDay(value);
  if (typeof value !== 'string') throw new TransformError('expected a date string');
  const text = value.trim();
  if (format) return isoDay(toDate(byFormat(text, format)));
  const m = ISO_DATE.exec(text);
  if (m)
    return isoDay(
      toDate({
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: 0,
        minute: 0,
        second: 0,
        ms: 0,
      }),
    );
  if (ISO_DATETIME.test(text)) return parseDateTime(text).slice(0, 10);
  throw new TransformError('expected a date as YYYY-MM-DD (or set a format, e.g. DD.MM.YYYY)');
}

/** An ISO 8601 UTC datetime (`…Z`). */
export function parseDateTime(value: unknown, format?: string): string {
  if (value instanceof Date) return isoInstant(value);
  if (typeof value !== 'string')
    throw new TransformError('expected a date-time string (for numbers use epoch-seconds or epoch-millis)');
  const text = value.trim();
  if (format) return isoInstant(toDate(byFormat(text, format)));
  return canonicalInstant(text) ?? parseIsoDateTime(text);
}

/** Every ISO 8601 / SQL form `parseDateTime` takes without a format; the general path behind `canonicalInstant`. */
export function parseIsoDateTime(text: string): string {
  const m = ISO_DATETIME.exec(text);
  if (!m) {
    const dm = ISO_DATE.exec(text);
    if (dm) return `${parseDate(text)}T00:00:00.000Z`;
    throw new TransformError('expected an ISO 8601 date-time (or set a format)');
  }
  const fraction = (m[7] ?? '0').padEnd(3, '0').slice(0, 3);
  const local = toDate({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
    ms: Number(fraction),
  });
  const zone = m[8];
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  return isoInstant(new Date(local.getTime() - offsetMinutes * 60_000));
}

export function fromEpoch(value: unknown, unit: 'seconds' | 'millis'): string {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n)) throw new TransformError(`expected a number of ${unit} since 1970`);
  return isoInstant(new Date(unit === 'seconds' ? n * 1000 : n));
}

function isoInstant(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TransformError('is not a valid date');
  return d.toISOString();
}

function isoDay(d: Date): string {
  return isoInstant(d).slice(0, 10);
}

/**
 * The order of one user's changes, as a string: two different changes never get the same key when
 * their source says which came first, and keys of one form compare as plain strings (so SQLite
 * orders them with its default text comparison and JavaScript with `<`).
 *
 * A key is `<form>:<body>`, optionally followed by `\u0001<tie-break>` (a broker's own sequence,
 * e.g. the NATS stream sequence: two changes that tie on the body are ordered by it). Forms:
 *
 * | form | from | body |
 * |---|---|---|
 * | `n` | an integer version / sequence (`sequencetype: Integer`) | its digits, length-prefixed |
 * | `s` | a CloudEvents `sequence` (a string, lexicographic per the spec) | the string itself |
 * | `t` | a time (RFC 3339), when nothing better is there | UTC, 9 fraction digits |
 * | `l` | a PostgreSQL LSN (Debezium `source.lsn`) | 16 hex digits |
 * | `p` | a PostgreSQL commit LSN and the change's position in its transaction | 16 hex `.` 8 hex |
 * | `b` | a MySQL/MariaDB binlog position: file, position, row | three length-prefixed integers |
 * | `g` | a MySQL GTID (no binlog position) | server uuid `:` transaction, row |
 * | `m` | Maxwell without a binlog position: ts, xid, xoffset | three length-prefixed integers |
 * | `a` | no version at all: arrival order | empty |
 * | `v` | a number stored by an older inbox (schema 4) | length-prefixed integer |
 *
 * Keys of different forms do not compare (`compareOrderKeys` says why); only `v` compares with `n`,
 * `t`, `l` and `p` through the number older versions made of them.
 */

export type OrderForm = 'n' | 's' | 't' | 'l' | 'p' | 'b' | 'g' | 'm' | 'a' | 'v';

const TIE = '\u0001';

/** Digits of a non-negative integer, prefixed by their count (2 digits): string order = numeric order. */
export function encodeUint(value: number | bigint | string): string {
  const digits = typeof value === 'string' ? value.replace(/^0+(?=\d)/, '') : BigInt(value).toString();
  if (!/^\d{1,99}$/.test(digits)) throw new RangeError(`not a non-negative integer: ${String(value).slice(0, 40)}`);
  return `${String(digits.length).padStart(2, '0')}${digits}`;
}

function decodeUint(s: string, at = 0): { value: bigint; end: number } | undefined {
  const n = Number(s.slice(at, at + 2));
  if (!Number.isInteger(n) || n < 1) return undefined;
  const digits = s.slice(at + 2, at + 2 + n);
  if (!/^\d+$/.test(digits) || digits.length !== n) return undefined;
  return { value: BigInt(digits), end: at + 2 + n };
}

/** A non-negative integer (number, bigint or decimal string), or undefined when it is not one. */
export function intKey(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? `n:${encodeUint(value)}` : undefined;
  if (typeof value === 'bigint') return value >= 0n ? `n:${encodeUint(value)}` : undefined;
  if (typeof value === 'string' && /^\d{1,99}$/.test(value)) return `n:${encodeUint(value)}`;
  return undefined;
}

/** A CloudEvents sequence, ordered as the spec says: lexicographically. Control characters are refused. */
export function sequenceKey(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (value === '' || /[\u0000-\u001f]/.test(value)) return undefined;
  return `s:${value}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * An RFC 3339 time as a key (UTC, nanosecond digits kept: `Date` would cut them to milliseconds and
 * make two changes a few microseconds apart tie). Anything else is not a time: undefined, never a guess.
 */
export function timeKey(value: string): string | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  // Out-of-range fields (month 13, Feb 30) are not a time.
  if (Number.isNaN(ms) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  let offsetMin = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  const utc = new Date(ms - offsetMin * 60_000);
  if (utc.getUTCFullYear() < 0 || utc.getUTCFullYear() > 9999) return undefined;
  return `t:${utc.toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}Z`;
}

/** Milliseconds since the epoch as a time key. */
export function millisKey(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const iso = new Date(Math.floor(ms)).toISOString();
  return timeKey(iso);
}

/** A PostgreSQL LSN (`X/Y` or a number) as 16 hex digits, or undefined. */
export function lsnHex(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value.toString(16).toUpperCase().padStart(16, '0') : undefined;
  if (typeof value === 'bigint') return value >= 0n && value < 2n ** 64n ? value.toString(16).toUpperCase().padStart(16, '0') : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(value);
  if (m) return (m[1]!.padStart(8, '0') + m[2]!.padStart(8, '0')).toUpperCase();
  if (/^\d{1,20}$/.test(value)) return lsnHex(BigInt(value));
  return undefined;
}

/** Debezium PostgreSQL: the change's own LSN (unique per change; one row's changes are serialised by its lock). */
export function lsnKey(value: unknown): string | undefined {
  const hex = lsnHex(value);
  return hex === undefined ? undefined : `l:${hex}`;
}

/** Logical replication: the commit's LSN (commit order), then the change's position in its transaction. */
export function commitPositionKey(commitLsn: unknown, position: number): string | undefined {
  const hex = lsnHex(commitLsn);
  if (hex === undefined || !Number.isSafeInteger(position) || position < 0) return undefined;
  return `p:${hex}.${position.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** The number at the end of a binlog file name (`mysql-bin.000003` → 3). */
function binlogIndex(file: string): string | undefined {
  return /(\d+)$/.exec(file)?.[1];
}

/** MySQL/MariaDB binlog coordinates: file (by its index), position, row within the event. */
export function binlogKey(file: unknown, pos: unknown, row: unknown = 0): string | undefined {
  if (typeof file !== 'string') return undefined;
  const index = binlogIndex(file);
  const p = intKey(typeof pos === 'string' ? pos : pos);
  const r = intKey(row ?? 0);
  if (index === undefined || p === undefined || r === undefined) return undefined;
  return `b:${encodeUint(index)}.${p.slice(2)}.${r.slice(2)}`;
}

/** A GTID `uuid:N` (MySQL) or `domain-server-N` (MariaDB), then the row; ordered within one server. */
export function gtidKey(gtid: unknown, row: unknown = 0): string | undefined {
  if (typeof gtid !== 'string') return undefined;
  const mysql = /^([0-9a-fA-F-]{36}):(\d+)$/.exec(gtid);
  const maria = /^(\d+-\d+)-(\d+)$/.exec(gtid);
  const m = mysql ?? maria;
  const r = intKey(row ?? 0);
  if (!m || r === undefined) return undefined;
  return `g:${m[1]!.toLowerCase()}:${encodeUint(m[2]!)}.${r.slice(2)}`;
}

/** Maxwell's Daemon without a binlog position: transaction time (s), xid, offset in the transaction. */
export function maxwellKey(ts: unknown, xid: unknown, xoffset: unknown = 0): string | undefined {
  const [a, b, c] = [intKey(ts), intKey(xid), intKey(xoffset ?? 0)];
  if (a === undefined || b === undefined || c === undefined) return undefined;
  return `m:${a.slice(2)}.${b.slice(2)}.${c.slice(2)}`;
}

/** No version: events are applied in the order they arrive (after the broker's own order, when it has one). */
export const ARRIVAL_KEY = 'a:';

/** `key` with a broker's sequence as tie-break (NATS stream sequence). */
export function withTieBreak(key: string, sequence: number | bigint | undefined): string {
  return sequence === undefined ? key : `${key}${TIE}${encodeUint(sequence)}`;
}

/** A version number stored by an inbox of schema 4 (its form unknown: integer, epoch ms or LSN). */
export function legacyKey(n: number): string {
  return `v:${encodeUint(Math.max(0, Math.floor(n)))}`;
}

export function formOf(key: string): OrderForm {
  return key.charAt(0) as OrderForm;
}

const FORM_NAMES: Record<OrderForm, string> = {
  n: 'an integer version',
  s: 'a sequence string',
  t: 'a time',
  l: 'a PostgreSQL LSN',
  p: 'a PostgreSQL commit position',
  b: 'a binlog position',
  g: 'a GTID',
  m: 'a Maxwell transaction position',
  a: 'no version (arrival order)',
  v: 'a version from an older inbox',
};

export const describeForm = (form: OrderForm): string => FORM_NAMES[form] ?? `form ${form}`;

function split(key: string): { body: string; tie: string } {
  const i = key.indexOf(TIE);
  return i < 0 ? { body: key, tie: '' } : { body: key.slice(0, i), tie: key.slice(i) };
}

/** The number a schema-4 inbox would have stored for this key, for comparisons with `v` keys. */
function legacyNumber(key: string): bigint | undefined {
  const { body } = split(key);
  const rest = body.slice(2);
  switch (formOf(key)) {
    case 'v':
    case 'n':
      return decodeUint(rest)?.value;
    case 't': {
      const ms = Date.parse(rest);
      return Number.isNaN(ms) ? undefined : BigInt(ms);
    }
    case 'l':
    case 'p':
      return BigInt(`0x${rest.slice(0, 16)}`);
    default:
      return undefined;
  }
}

export type KeyOrder = { order: -1 | 0 | 1 } | { unorderable: string };

const sign = (x: number): -1 | 0 | 1 => (x < 0 ? -1 : x > 0 ? 1 : 0);
const strCmp = (a: string, b: string): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders two keys of one user. Keys of different forms cannot be ordered (a producer that switched
 * from times to sequences): the caller dead-letters the event with this reason rather than guess.
 * Sequence strings are compared as strings, as the CloudEvents spec requires; when both are digit
 * strings of different lengths whose string order and numeric order disagree ("9" and "10": the
 * producer does not pad), that is said too, instead of applying "9" after "10".
 */
export function compareOrderKeys(a: string, b: string): KeyOrder {
  const fa = formOf(a);
  const fb = formOf(b);
  if (fa !== fb) {
    if (fa === 'v' || fb === 'v') {
      const [x, y] = [legacyNumber(a), legacyNumber(b)];
      if (x !== undefined && y !== undefined) return { order: x < y ? -1 : x > y ? 1 : strCmp(split(a).tie, split(b).tie) };
    }
    return { unorderable: `cannot be ordered: its version is ${describeForm(fa)}, this user's changes are ordered by ${describeForm(fb)}` };
  }
  const sa = split(a);
  const sb = split(b);
  if (fa === 's') {
    const x = sa.body.slice(2);
    const y = sb.body.slice(2);
    if (x.length !== y.length && /^\d+$/.test(x) && /^\d+$/.test(y)) {
      const lexical = strCmp(x, y);
      const numeric = sign(Number(BigInt(x) - BigInt(y)));
      if (lexical !== numeric) {
        return {
          unorderable: `cannot be ordered: sequences "${x.slice(0, 30)}" and "${y.slice(0, 30)}" are unpadded integers (string order and number order disagree); pad them or set envelope.sequenceType: integer`,
        };
      }
    }
  }
  const body = strCmp(sa.body, sb.body);
  return { order: body !== 0 ? body : strCmp(sa.tie, sb.tie) };
}

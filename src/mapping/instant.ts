/**
 * The common case of a date-time column, an instant already in canonical UTC form
 * (`2015-03-01T10:00:00Z` or `…:00.123Z`), without the Date round trip `parseDateTime` makes for
 * every other form. Anything else — offsets, fractions of other lengths, two-digit years that
 * Date.UTC would move to the 1900s, impossible dates — is `undefined`, left to the general parser.
 * Read character by character: a regex match would allocate an array and seven strings per record.
 */
export function canonicalInstant(text: string): string | undefined {
  const length = text.length;
  if (length !== 20 && length !== 24) return undefined;
  if (text.charCodeAt(length - 1) !== Z) return undefined;
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(10) !== T) return undefined;
  if (text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return undefined;
  if (length === 24 && (text.charCodeAt(19) !== DOT || digits(text, 20, 3) < 0)) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  return length === 24 ? text : withZeroMillis(text);
}

const Z = 0x5a;
const DASH = 0x2d;
const T = 0x54;
const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;

/** The decimal value of `count` ASCII digits at `start`, or -1 if any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const ZERO_MILLIS = Array.from('.000Z', (c) => c.charCodeAt(0));
/** Reused for every result: only the string made from it outlives the call. */
const CODES = new Array<number>(24).fill(0);

/**
 * `${text.slice(0, 19)}.000Z` as one flat string: a concatenation would be a cons cell holding a
 * slice of the source text, and the result lives as long as the migrated user does.
 */
function withZeroMillis(text: string): string {
  const codes = CODES;
  for (let i = 0; i < 19; i++) codes[i] = text.charCodeAt(i);
  for (let i = 0; i < 5; i++) codes[19 + i] = ZERO_MILLIS[i] as number;
  return String.fromCharCode(...codes);
}

/**
 * The common case of a date-time column, an instant already in canonical UTC form
 * (`2015-03-01T10:00:00Z` or `…:00.123Z`), without the Date round trip `parseDateTime` makes for
 * every other form. Anything else — offsets, fractions of other lengths, two-digit years that
 * Date.UTC would move to the 1900s, impossible dates — is `undefined`, left to the general parser.
 */
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/;

export function canonicalInstant(text: string): string | undefined {
  const m = CANONICAL.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return undefined;
  return m[7] === undefined ? `${text.slice(0, 19)}.000Z` : text;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDateTime, parseIsoDateTime } from '../../src/mapping/dates.ts';
import { canonicalInstant } from '../../src/mapping/instant.ts';

const digits = (n: number, max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));

/** Near-canonical instants: out-of-range fields, leap days, odd fractions and zones included. */
const instantLike = fc
  .tuple(
    digits(4, 9999),
    digits(2, 19),
    digits(2, 39),
    digits(2, 29),
    digits(2, 69),
    digits(2, 69),
    fc.constantFrom('', '.1', '.12', '.123', '.1234', '.999'),
    fc.constantFrom('Z', 'z', '+01:00', '', ' Z'),
  )
  .map(([y, mo, d, h, mi, s, f, z]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f}${z}`);

/** A valid instant with one character replaced: the separators and digits must all be checked. */
const mutated = fc
  .tuple(fc.date({ min: new Date('0100-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), fc.nat(23), fc.constantFrom('', 'x', '0', '9', '-', ':', 'T', 'Z', '.', ' ', '\u0660'), fc.boolean())
  .map(([d, at, c, millis]) => {
    const iso = millis ? d.toISOString() : `${d.toISOString().slice(0, 19)}Z`;
    return iso.slice(0, at % iso.length) + c + iso.slice((at % iso.length) + 1);
  });

function general(text: string): string {
  try {
    return parseIsoDateTime(text);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('canonicalInstant', () => {
  it('answers only where the general parser accepts, and with its answer', () => {
    fc.assert(
      fc.property(fc.oneof(instantLike, mutated), (text) => {
        const fast = canonicalInstant(text);
        if (fast !== undefined) expect(fast).toBe(general(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes every canonical UTC instant from year 100 on', () => {
    const dates = fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(dates, fc.boolean(), (d, withMillis) => {
        const iso = d.toISOString();
        const text = withMillis ? iso : `${iso.slice(0, 19)}Z`;
        const expected = withMillis ? iso : `${iso.slice(0, 19)}.000Z`;
        expect(canonicalInstant(text)).toBe(expected);
        expect(parseDateTime(text)).toBe(expected);
      }),
    );
  });

  it('leaves two-digit years and impossible dates to the general parser', () => {
    expect(canonicalInstant('0099-01-01T00:00:00Z')).toBeUndefined();
    expect(canonicalInstant('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(canonicalInstant('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(() => parseDateTime('2023-02-29T00:00:00Z')).toThrow('is not a real calendar date');
  });
});

import fc from 'fast-check';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import metadata from 'libphonenumber-js/min/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { fastE164 } from '../../src/mapping/phone.ts';
import { toE164 } from '../../src/mapping/transforms.ts';

/** The general path: what toE164 asked the library before the fast path existed. */
function library(raw: string, region?: string): string | false {
  const phone = parsePhoneNumberFromString(raw, region as CountryCode | undefined);
  return phone?.isValid() ? phone.number : false;
}

const callingCodes = Object.keys(metadata.country_calling_codes);
const exampleNumbers = Object.entries(examples).map(([country, national]) => `+${getCountryCallingCode(country as CountryCode)}${national}`);

/** `+<calling code><digits>`, and variants of real numbers: a national prefix kept, digits changed, cut or added. */
const international = fc.oneof(
  fc.tuple(fc.constantFrom(...callingCodes), fc.stringMatching(/^\d{0,15}$/)).map(([cc, rest]) => `+${cc}${rest}`),
  fc.tuple(fc.constantFrom(...exampleNumbers), fc.nat(9), fc.integer({ min: -3, max: 3 }), fc.boolean()).map(([n, d, cut, prefixed]) => {
    const cc = n.slice(0, 4);
    const changed = cut < 0 ? n.slice(0, cut) : cut > 0 ? `${n}${String(d).repeat(cut)}` : `${n.slice(0, -1)}${d}`;
    return prefixed ? `${cc}0${changed.slice(4)}` : changed;
  }),
  fc.stringMatching(/^\+\d{1,18}$/),
);

describe('fastE164', () => {
  it('answers as the library does, for every calling code', () => {
    let answered = 0;
    fc.assert(
      fc.property(international, fc.constantFrom(undefined, 'DE', 'US', 'GB'), (raw, region) => {
        const fast = fastE164(raw);
        if (fast === undefined) return;
        answered++;
        expect(fast).toBe(library(raw, region));
      }),
      { numRuns: 30000 },
    );
    expect(answered).toBeGreaterThan(10000);
  });

  it('agrees on every example number and on each with a national prefix written after the calling code', () => {
    for (const n of exampleNumbers) {
      for (const raw of [n, `${n.slice(0, 3)}0${n.slice(3)}`, `${n.slice(0, 4)}0${n.slice(4)}`, `${n}0`, n.slice(0, -1)]) {
        const fast = fastE164(raw);
        if (fast !== undefined) expect([raw, fast]).toEqual([raw, library(raw)]);
      }
    }
  });

  it('takes the common cases itself', () => {
    expect(fastE164('+4917612345678')).toBe('+4917612345678');
    expect(fastE164('+49017612345678')).toBe('+4917612345678');
    expect(fastE164('+491')).toBeUndefined();
    expect(fastE164('+33612345678')).toBe('+33612345678');
    expect(fastE164('+4912')).toBeUndefined();
    expect(fastE164('0176 12345678')).toBeUndefined();
    expect(toE164('+4917612345678')).toBe('+4917612345678');
    expect(() => toE164('+49123')).toThrow('not a valid phone number');
  });
});

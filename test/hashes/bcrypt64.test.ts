import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bcrypt64ToBase64, fromBcrypt64, toBase64 } from '../../src/hashes/encoding.ts';

const BCRYPT64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const bcrypt64Text = (length: number) =>
  fc.array(fc.constantFrom(...BCRYPT64), { minLength: length, maxLength: length }).map((a) => a.join(''));

/** The general path: decode to bytes, cut, encode again. */
function viaBytes(value: string, bytes: number): string | undefined {
  const decoded = fromBcrypt64(value);
  return decoded === undefined ? undefined : toBase64(decoded.subarray(0, bytes));
}

describe('bcrypt64ToBase64', () => {
  it('agrees with decoding and re-encoding for bcrypt salts (16 bytes) and digests (23 bytes)', () => {
    fc.assert(
      fc.property(bcrypt64Text(22), bcrypt64Text(31), (salt, digest) => {
        expect(bcrypt64ToBase64(salt, 16)).toBe(viaBytes(salt, 16));
        expect(bcrypt64ToBase64(digest, 23)).toBe(viaBytes(digest, 23));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees for every byte count whose characters it is given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.string({ unit: fc.constantFrom(...BCRYPT64), minLength: 60, maxLength: 60 }), (bytes, text) => {
        const value = text.slice(0, Math.ceil((bytes * 8) / 6));
        expect(bcrypt64ToBase64(value, bytes)).toBe(viaBytes(value, bytes));
      }),
    );
  });

  it('refuses characters outside the alphabet and wrong lengths', () => {
    expect(bcrypt64ToBase64('+'.repeat(22), 16)).toBeUndefined();
    expect(bcrypt64ToBase64(`${'a'.repeat(21)}=`, 16)).toBeUndefined();
    expect(bcrypt64ToBase64('a'.repeat(23), 16)).toBeUndefined();
    expect(bcrypt64ToBase64('\u00e9'.repeat(22), 16)).toBeUndefined();
  });
});

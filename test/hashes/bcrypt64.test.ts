import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bcrypt64ToBase64, fromBcrypt64, toBase64 } from '../../src/hashes/encoding.ts';
import { parseBcryptMcf } from '../../src/hashes/formats/bcrypt.ts';

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

/** The general path parseBcryptMcf replaced: the pattern, then decode and re-encode. */
const MCF = /^\$(2[abxy]?)\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;
function mcfByPattern(value: string) {
  const m = MCF.exec(value);
  if (!m) return undefined;
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) return undefined;
  return { variant: m[1], cost, salt: viaBytes(m[3] ?? '', 16), hash: viaBytes(m[4] ?? '', 23) };
}

describe('parseBcryptMcf', () => {
  const mcfLike = fc
    .tuple(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('$2$', '$2a$', '$2b$', '$2x$', '$2y$') },
        { weight: 1, arbitrary: fc.constantFrom('$2c$', '$3a$', '2b$', '$2b', '$2bb$') },
      ),
      fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => String(n).padStart(2, '0')) },
        { weight: 1, arbitrary: fc.constantFrom('1', '123', 'a1', '0x', '٠٤', '99') },
      ),
      fc.oneof({ weight: 5, arbitrary: fc.constant('$') }, { weight: 1, arbitrary: fc.constantFrom('', '$$', '.') }),
      bcrypt64Text(53),
      fc.nat(60),
      fc.constantFrom('', '+', '=', '\n', '\u00e9', 'a', '$'),
    )
    .map(([head, cost, sep, body, at, c]) => {
      const value = `${head}${cost}${sep}${body}`;
      return at % 3 === 0 ? value : value.slice(0, at) + c + value.slice(at + (at % 2));
    });

  it('splits exactly what the bcrypt pattern accepts, into the same parts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mcfLike, (value) => {
        const parts = parseBcryptMcf(value);
        expect(parts).toEqual(mcfByPattern(value));
        if (parts) accepted++;
      }),
      { numRuns: 20000 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });
});

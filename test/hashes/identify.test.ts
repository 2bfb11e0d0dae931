import fc from 'fast-check';
import { describe as suite, expect, it } from 'vitest';
import { describe, identify, knownFormats, MAX_HASH_LENGTH } from '../../src/hashes/index.ts';

const BCRYPT = '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K';

suite('identify', () => {
  it('parses bcrypt into the canonical form (salt and digest as base64 bytes)', () => {
    const r = identify(BCRYPT);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.hash).toMatchObject({ algorithm: 'bcrypt', format: 'bcrypt', params: { cost: 10, variant: '2b' }, encoded: BCRYPT });
    expect(Buffer.from(r.hash.salt ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(r.hash.hash, 'base64')).toHaveLength(23);
  });

  it.each([
    ['$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'bcrypt'],
    [`bcrypt$${BCRYPT}`, 'django-bcrypt'],
    [`bcrypt_sha256$${BCRYPT}`, 'django-bcrypt-sha256'],
    ['$bcrypt-sha256$v=2,t=2b,r=12$n79VH.0Q2TMWmt3Oqt9uku$Kq4Noyk3094Y2QlB8NdRT8SvGiI4ft2', 'passlib-bcrypt-sha256'],
    ['$bcrypt-sha256$2a,5$E/e/2AOhqM5W/KJTFQzLce$F6dYSxOdAEoJZO2eoHUZWZljW/e0TXO', 'passlib-bcrypt-sha256'],
    ['{PKCS5S2}' + Buffer.alloc(48, 7).toString('base64'), 'atlassian-pbkdf2'],
    ['$pbkdf2-sha256$i=1000,l=32$c2FsdA$' + Buffer.alloc(32, 1).toString('base64').replace(/=+$/, ''), 'phc-pbkdf2'],
    ['{PBKDF2-SHA256}1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ', 'passlib-pbkdf2'],
    ['$apr1$salt1234$' + 'a'.repeat(22), 'crypt'],
    ['{CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1', 'ldap-crypt'],
    ['U$S$DODRFsy.GX2iSkl2zJ4fsrGRt2S0FOWu0JSA3BqAmSayESbcY3w9', 'drupal7'],
    ['unsalted_sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b', 'django-digest'],
  ])('recognises %s as %s', (value, format) => {
    const r = identify(value);
    if (!r.ok) throw new Error(r.reason);
    expect(r.hash.format).toBe(format);
  });

  it('refuses to guess a bare digest and says how to fix it', () => {
    const r = identify('5f4dcc3b5aa765d61d8327deb882cf99');
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^ambiguous: .*md5.*set mapping\.password\.format$/) });
    const b64 = identify(Buffer.alloc(32, 9).toString('base64'));
    expect(b64.ok ? '' : b64.reason).toMatch(/^ambiguous: 44 base64 characters \(32 bytes\)/);
  });

  it('identifies a bare digest when the config names it, with salt, order and encodings', () => {
    const r = identify('Z2hp', { format: 'sha256' });
    expect(r.ok ? '' : r.reason).toMatch(/^unrecognised:/);
    const salted = identify(Buffer.alloc(20, 1).toString('base64'), {
      format: 'salted-sha1',
      encoding: 'base64',
      salt: '0a0b',
      saltEncoding: 'hex',
      saltPosition: 'suffix',
    });
    if (!salted.ok) throw new Error(salted.reason);
    expect(salted.hash).toMatchObject({ algorithm: 'sha1', format: 'digest', params: { saltPosition: 'suffix' }, salt: 'Cgs=' });
  });

  it('a self-describing value wins over a configured bare format (tables mix old and re-hashed rows)', () => {
    const r = identify(BCRYPT, { format: 'md5' });
    expect(r.ok && r.hash.algorithm).toBe('bcrypt');
  });

  it('explains missing configuration instead of guessing', () => {
    expect(identify('00'.repeat(32), { format: 'hmac-sha256' })).toEqual({ ok: false, reason: expect.stringContaining('mapping.password.key') });
    expect(identify('00'.repeat(32), { format: 'pbkdf2-sha256', salt: 'x' })).toEqual({ ok: false, reason: expect.stringContaining('iterations') });
    expect(identify('AAAA', { format: 'firebase-scrypt' })).toEqual({ ok: false, reason: expect.stringContaining('mapping.password.firebase') });
    expect(identify('00'.repeat(16), { format: 'rot13' })).toEqual({ ok: false, reason: expect.stringMatching(/^unrecognised: unknown format/) });
  });

  it('lists its format names', () => {
    expect(knownFormats()).toEqual(expect.arrayContaining(['bcrypt', 'md5', 'firebase-scrypt', 'keycloak-credential', 'aspnet-identity']));
  });
});

suite('identify on junk never throws, never hangs, never echoes', () => {
  const prefixes = ['', '$2b$', '$2y$10$', '$argon2id$v=19$m=', '$scrypt$ln=', 'scrypt$', '$firescrypt$', 'pbkdf2_sha256$',
    '$pbkdf2-sha256$', '{SSHA}', '{CRYPT}$1$', '{PKCS5S2}', '$P$', '$S$', '$5$rounds=', '$6$', '$wp$2y$', 'argon2$',
    '$hmac-sha256$', '$sha1$pf=', '{"secretData":', 'AQAAAA', 'bcrypt_sha256$', '$bcrypt-sha256$'];

  it('returns a reason starting unrecognised: or ambiguous: for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.string({ maxLength: 300, unit: 'binary' }), (prefix, rest) => {
        const value = prefix + rest;
        const r = identify(value);
        if (r.ok) return; // a random tail can form a syntactically valid string; that is fine
        expect(r.reason).toMatch(/^(unrecognised|ambiguous): /);
        if (rest.length >= 12) expect(r.reason.includes(rest)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('is fast on very long inputs (length cap) and on long near-miss inputs', () => {
    const started = performance.now();
    for (const p of prefixes) {
      for (const value of [p + 'A'.repeat(1_000_000), p + '$'.repeat(MAX_HASH_LENGTH - p.length), p + 'a$'.repeat(2000)]) {
        const r = identify(value, { format: 'sha256' });
        expect(r.ok).toBe(false);
        expect(r.ok ? '' : r.reason).toMatch(/^unrecognised: /);
      }
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('describe() gives length and a short prefix only', () => {
    expect(describe(BCRYPT)).toBe('60 characters, starting $2b$');
    expect(describe('secretsecret')).toBe('12 characters');
  });

  it('survives non-string input from untyped callers', () => {
    expect(identify(undefined as unknown as string).ok).toBe(false);
    expect(identify(42 as unknown as string)).toEqual({ ok: false, reason: 'unrecognised: not a string (number)' });
  });
});

suite('identify bounds work factors so one corrupt row cannot stall or exhaust a verifier', () => {
  it.each([
    ['$argon2id$v=19$m=999999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'argon2 parameters'],
    ['$scrypt$ln=30,r=8,p=1$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWI', 'scrypt parameters'],
    ['$pbkdf2-sha256$i=999999999,l=32$c2FsdA$' + 'A'.repeat(43), 'iterations'],
    ['$6$rounds=999999999$saltstring$' + 'a'.repeat(86), 'rounds'],
    ['$P$Z' + 'a'.repeat(30), 'iteration count'],
  ])('%s', (value, why) => {
    const r = identify(value);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(new RegExp(`^unrecognised: .*${why}`));
  });
});

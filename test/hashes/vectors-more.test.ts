/**
 * Issue 31's hash layouts against vectors made by other implementations or taken from the producing
 * project's tests (test/fixtures/hash-vectors/more.json; each entry names its source, and
 * generate-more.py rebuilds the file).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe as suite, expect, it } from 'vitest';
import { identify, verify } from '../../src/hashes/index.ts';
import { bcrypt2xKey } from '../../src/hashes/verify-legacy.ts';
import { hintFor, type Vector } from './vector-hints.ts';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/hash-vectors/more.json', import.meta.url), 'utf8'),
) as Vector[];

suite('more hash vectors (test/fixtures/hash-vectors/more.json)', () => {
  it('every vector names its source', () => {
    for (const v of vectors) expect(v.source.length).toBeGreaterThan(10);
  });

  for (const [i, v] of vectors.entries()) {
    it(`#${i} ${v.format} ${v.hash.slice(0, 24)}… (${v.source.slice(0, 50)})`, async () => {
      const r = identify(v.hash, hintFor(v));
      if (!r.ok) throw new Error(r.reason);
      expect(await verify(r.hash, v.password)).toBe(true);
      // DES crypt reads 8 bytes only: a longer password still matches, as crypt(3) says.
      const des = r.hash.algorithm === 'des-crypt';
      if (!des || Buffer.byteLength(v.password) < 8) expect(await verify(r.hash, `${v.password}x`)).toBe(false);
      expect(await verify(r.hash, `x${v.password}`)).toBe(false);
    });
  }
});

suite('what each new layout is read as', () => {
  const one = (hash: string, hint = {}) => {
    const r = identify(hash, hint);
    if (!r.ok) throw new Error(r.reason);
    return r.hash;
  };

  it('Spring ids keep their defaults in clear parameter names', () => {
    const v = vectors.filter((x) => x.format === 'spring');
    expect(one(v.find((x) => x.hash.startsWith('{pbkdf2}'))!.hash)).toMatchObject({ algorithm: 'pbkdf2-sha1', format: 'spring-pbkdf2', params: { iterations: 185_000, keyLength: 32 } });
    expect(one(v.find((x) => x.hash.startsWith('{pbkdf2@'))!.hash)).toMatchObject({ algorithm: 'pbkdf2-sha256', params: { iterations: 310_000 } });
    expect(one(v.find((x) => x.hash.startsWith('{scrypt}'))!.hash)).toMatchObject({ algorithm: 'scrypt', params: { N: 16384, r: 8, p: 1, keyLength: 32 } });
    expect(one(v.find((x) => x.hash.startsWith('{MD5}'))!.hash)).toMatchObject({ algorithm: 'md5', params: { saltPosition: 'suffix' } });
    expect(one(v.find((x) => x.hash.startsWith('{sha256}'))!.hash)).toMatchObject({ algorithm: 'spring-sha256', params: { iterations: 1024 } });
  });

  it('Spring {noop} is refused with a reason that says why, and never echoes the password', () => {
    const r = identify('{noop}hunter2');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/plain text/);
      expect(r.reason).not.toContain('hunter2');
    }
  });

  it('LDAP {MD5} in base64 stays LDAP; Spring {MD5} is hex or salted', () => {
    expect(one('{MD5}X03MO1qnZdYdgyfeuILPmQ==').format).toBe('ldap-md5');
    expect(one('{MD5}5f4dcc3b5aa765d61d8327deb882cf99').format).toBe('spring-MD5');
  });

  it('yescrypt parameters are decoded (N, r, p, memoryKiB) for cost bounds', () => {
    const y = vectors.find((x) => x.format === 'yescrypt')!;
    expect(one(y.hash)).toMatchObject({ algorithm: 'yescrypt', params: { N: 4096, r: 32, p: 1, memoryKiB: 16384 } });
  });

  it('Kratos $pbkdf2-sha384$ is SHA3 only in the Kratos dialect', () => {
    const k = vectors.find((x) => x.hash.startsWith('$pbkdf2-sha384$i=100000'))!;
    expect(one(k.hash, { dialect: 'kratos' }).algorithm).toBe('pbkdf2-sha3-384');
    expect(one(k.hash).algorithm).toBe('pbkdf2-sha384');
  });

  it('a 13-character value is DES crypt only when the config or {CRYPT} says so', () => {
    expect(identify('abJnggxhB/yWI').ok).toBe(false);
    expect(one('abJnggxhB/yWI', { format: 'des-crypt' }).algorithm).toBe('des-crypt');
  });

  it('ASP.NET V2 blobs are recognised whatever their first salt byte', () => {
    for (const v of vectors.filter((x) => x.format === 'aspnet-identity')) {
      expect(one(v.hash)).toMatchObject({ format: 'aspnet-identity-v2', params: { iterations: 1000 } });
    }
  });
});

suite('verification is as strict as the reference implementations', () => {
  const argon2 = '$argon2id$v=19$m=16384,t=2,p=1$v7fN5p91BQbdbA2HfdSPRg$MULpa02CO/6FKfqwuerCFvS7OhMxGFCKUOoWfzt86Rc';

  it('an argon2 hash whose unused trailing base64 bits were altered is refused, as libargon2 does', async () => {
    // 'g' → 'h' in the salt and 'c' → 'd' in the hash change only bits no byte uses.
    for (const altered of [argon2.replace('HfdSPRg$', 'HfdSPRh$'), argon2.replace('86Rc', '86Rd')]) {
      expect(altered).not.toBe(argon2);
      const r = identify(altered);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/canonical/);
    }
    const r = identify(argon2);
    if (!r.ok) throw new Error(r.reason);
    expect(await verify(r.hash, 'password')).toBe(true);
    const forged = { ...r.hash, params: { ...r.hash.params, phc: argon2.replace('86Rc', '86Rd') } };
    expect(await verify(forged, 'password')).toBe(false);
  });

  it('$2x$ differs from $2b$ exactly for passwords with bytes ≥ 0x80', async () => {
    expect(bcrypt2xKey('plain ascii').subarray(0, 12).toString('latin1')).toBe('plain ascii\0');
    const x = vectors.find((v) => v.hash.startsWith('$2x$') && v.password === '£')!;
    const r = identify(x.hash);
    if (!r.ok) throw new Error(r.reason);
    // As $2b$ (what relabelling would do) the same password does not verify.
    expect(await verify({ ...r.hash, params: { ...r.hash.params, variant: '2b', mcf: x.hash.replace('$2x$', '$2b$') } }, '£')).toBe(false);
    expect(await verify(r.hash, '£')).toBe(true);
  });
});

suite('properties of the new parsers', () => {
  it('property: passlib pbkdf2 in ab64 and in standard base64 read to the same salt and key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.integer({ min: 1, max: 100_000 }), (salt, key, rounds) => {
        const std = (b: Uint8Array) => Buffer.from(b).toString('base64');
        const ab64 = (b: Uint8Array) => std(b).replace(/=+$/, '').replace(/\+/g, '.');
        const a = identify(`$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(key)}`);
        const b = identify(`$pbkdf2-sha256$${rounds}$${std(salt)}$${std(key)}`);
        if (!a.ok || !b.ok) throw new Error(a.ok ? (b as { reason: string }).reason : a.reason);
        expect([a.hash.salt, a.hash.hash, a.hash.params.iterations]).toEqual([b.hash.salt, b.hash.hash, rounds]);
      }),
    );
  });

  it('property: any value behind a new prefix is identified or refused with a redacted reason, never thrown', () => {
    const prefix = fc.constantFrom('{bcrypt}', '{pbkdf2}', '{scrypt}', '{MD5}', '{SHA-256}', '{sha256}', '{noop}', '{argon2}', '$y$', '$y$j9T$', '{ARGON2}', '{CRYPT}', '{PBKDF2-SHA1}', '$pbkdf2-sha384$', '$2x$05$', '$wp$2y$');
    fc.assert(
      fc.property(prefix, fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '$', '.', '/', '+', '=', '{', '}', ','), maxLength: 90 }), (p, body) => {
        const r = identify(p + body);
        if (!r.ok) {
          expect(r.reason).toMatch(/^unrecognised: /);
          if (body.length > 12) expect(r.reason).not.toContain(body);
        }
      }),
      { numRuns: 500 },
    );
  });
});

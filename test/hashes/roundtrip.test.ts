import { createHash, createHmac, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { hashSync as argon2Hash, type Algorithm } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import fc from 'fast-check';
import { encrypt as shaCrypt } from 'unixcrypt';
import { describe as suite, expect, it } from 'vitest';
import { identify, verify, type HashHint } from '../../src/hashes/index.ts';
import { DEFAULT_CIDAAS_ALGORITHM_IDS, encodeForCidaas } from '../../src/targets/cidaas/wire/hash.ts';
import { encodeForCloudentity } from '../../src/targets/cloudentity/wire/hash.ts';
import { fromBcrypt64 } from '../../src/hashes/encoding.ts';
import { verifyCidaasHash } from '../../src/emulators/cidaas/verify-hash.ts';
import { verifyCloudentityHash } from '../../src/emulators/cloudentity/verify-hash.ts';
import { cloudentityLogin } from './reference-decoders.ts';

/** The emulators' own login semantics (the check behind POST /_emulator/login). */
const NO_VERIFIER = undefined;
const CE_SEMANTICS = { valueEncoding: 'base64', saltEncoding: 'base64', saltOrder: 'password-salt' } as const;

// @node-rs/argon2's Algorithm is an ambient const enum, unusable under verbatimModuleSyntax.
const ARGON2I = 1;
const ARGON2ID = 2;

/** Passwords as users type them: any Unicode, no NUL (C-based legacy systems cannot store it). */
const password = fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }).filter((s) => !s.includes('\0'));
const saltBytes = fc.uint8Array({ minLength: 4, maxLength: 16 });
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const B64 = (b: Uint8Array): string => b64(b).replace(/=+$/, '');
const ab64 = (b: Uint8Array): string => B64(b).replace(/\+/g, '.');

interface Made {
  value: string;
  hint?: HashHint;
  cidaas: boolean;
  cloudentity: boolean;
}

async function roundTrip(pw: string, made: Made): Promise<void> {
  const r = identify(made.value, made.hint);
  if (!r.ok) throw new Error(r.reason);
  expect(await verify(r.hash, pw)).toBe(true);
  expect(await verify(r.hash, `${pw}!`)).toBe(false);
  const prefix = r.hash.params.saltPosition === 'prefix';
  const c = encodeForCidaas(r.hash, { ...DEFAULT_CIDAAS_ALGORITHM_IDS, sha512: 'SHA512', argon2id: 'ARGON2ID' }, { saltPosition: prefix ? 'prefix' : 'suffix' });
  expect(c.ok).toBe(made.cidaas);
  if (c.ok) {
    const tenant = { pepperOrder: prefix ? (['usersalt', 'password'] as const) : (['password', 'usersalt'] as const) };
    expect(await verifyCidaasHash(c.value, pw, { pepperOrder: [...tenant.pepperOrder] }, NO_VERIFIER)).toBe('match');
    expect(await verifyCidaasHash(c.value, `${pw}!`, { pepperOrder: [...tenant.pepperOrder] }, NO_VERIFIER)).toBe('mismatch');
  }
  const e = encodeForCloudentity(r.hash, { saltPosition: 'suffix' });
  expect(e.ok).toBe(made.cloudentity);
  if (e.ok) {
    expect(cloudentityLogin(e.value, pw)).toBe(true);
    expect(cloudentityLogin(e.value, `${pw}!`)).toBe(false);
    expect(await verifyCloudentityHash(e.value, pw, CE_SEMANTICS)).toBe('match');
    expect(await verifyCloudentityHash(e.value, `${pw}!`, CE_SEMANTICS)).toBe('mismatch');
  }
}

const runs = { numRuns: 8 };

suite('generated hashes: identify → verify → encode → target login (fast-check)', () => {
  it('bcrypt (cost 4)', async () => {
    await fc.assert(fc.asyncProperty(password, async (pw) => {
      await roundTrip(pw, { value: bcryptHash(pw, 4), cidaas: true, cloudentity: true });
    }), runs);
  });

  it('argon2id / argon2i (small memory)', async () => {
    await fc.assert(fc.asyncProperty(password, fc.boolean(), async (pw, id) => {
      const value = argon2Hash(pw, { memoryCost: 64, timeCost: 1, parallelism: 1, algorithm: (id ? ARGON2ID : ARGON2I) as Algorithm });
      await roundTrip(pw, { value, cidaas: id, cloudentity: id });
      // Django drops the PHC string's leading `$`: `argon2$argon2id$v=19$…`.
      await roundTrip(pw, { value: `argon2${value}`, cidaas: id, cloudentity: id });
    }), runs);
  });

  it('PBKDF2 in Django, passlib, PHC, raw-hex and ASP.NET V3 forms', async () => {
    await fc.assert(fc.asyncProperty(password, saltBytes, fc.integer({ min: 1, max: 64 }), fc.constantFrom('sha1', 'sha256', 'sha512'), async (pw, salt, it, d) => {
      const len = d === 'sha1' ? 20 : d === 'sha256' ? 32 : 64;
      const dk = pbkdf2Sync(pw, salt, it, len, d);
      const cid = d === 'sha256';
      const saltText = Buffer.from(salt).toString('hex');
      if (d !== 'sha512') {
        const dj = pbkdf2Sync(pw, saltText, it, len, d);
        await roundTrip(pw, { value: `pbkdf2_${d}$${it}$${saltText}$${b64(dj)}`, cidaas: cid, cloudentity: true });
      }
      const passlibPrefix = d === 'sha1' ? '$pbkdf2$' : `$pbkdf2-${d}$`;
      // cidaas hData.salt is utf8 text by default: raw salt bytes that are not clean text (invalid
      // UTF-8 or NUL) are refused, not mangled.
      const utf8Salt = Buffer.from(Buffer.from(salt).toString('utf8'), 'utf8').equals(Buffer.from(salt)) && !salt.includes(0);
      await roundTrip(pw, { value: `${passlibPrefix}${it}$${ab64(salt)}$${ab64(dk)}`, cidaas: cid && utf8Salt, cloudentity: true });
      await roundTrip(pw, { value: `$pbkdf2-${d}$i=${it},l=${len}$${B64(salt)}$${B64(dk)}`, cidaas: cid && utf8Salt, cloudentity: true });
      await roundTrip(pw, { value: dk.toString('hex'), hint: { format: `pbkdf2-${d}`, iterations: it, salt: Buffer.from(salt).toString('base64'), saltEncoding: 'base64' }, cidaas: cid && utf8Salt, cloudentity: true });
      const header = Buffer.alloc(13);
      header[0] = 1;
      header.writeUInt32BE(d === 'sha1' ? 0 : d === 'sha256' ? 1 : 2, 1);
      header.writeUInt32BE(it, 5);
      header.writeUInt32BE(16, 9);
      const salt16 = randomBytes(16);
      const aspnet = Buffer.concat([header, salt16, pbkdf2Sync(pw, salt16, it, 32, d)]).toString('base64');
      await roundTrip(pw, { value: aspnet, cidaas: false, cloudentity: true });
    }), runs);
  });

  it('salted and plain SHA/MD5 digests (prefix and suffix, hex and base64)', async () => {
    await fc.assert(fc.asyncProperty(password, fc.constantFrom('md5', 'sha1', 'sha256', 'sha512'), fc.constantFrom('prefix', 'suffix', 'none'), fc.constantFrom('hex', 'base64'), async (pw, alg, pos, enc) => {
      const salt = 'pepper' + String(pw.length);
      const parts = pos === 'none' ? [pw] : pos === 'prefix' ? [salt, pw] : [pw, salt];
      const h = createHash(alg);
      for (const p of parts) h.update(p);
      const value = h.digest(enc as 'hex' | 'base64');
      const hint: HashHint = { format: alg, encoding: enc as 'hex' };
      if (pos !== 'none') Object.assign(hint, { salt, saltPosition: pos });
      // Cloudentity is assumed to use password ‖ salt (suffix): a prefix-salted hash is refused.
      await roundTrip(pw, { value, hint, cidaas: alg !== 'md5', cloudentity: pos !== 'prefix' });
    }), runs);
  });

  it('LDAP {SSHA*}/{SMD5} and {SHA}', async () => {
    // A leading 0xff keeps the salt binary: cidaas takes a salt only as clean text, so a salt that
    // happened to be printable would (rightly) be accepted there and make this property flaky.
    const binarySalt = saltBytes.map((b) => Uint8Array.of(0xff, ...b));
    await fc.assert(fc.asyncProperty(password, binarySalt, fc.constantFrom(['SSHA', 'sha1'], ['SSHA256', 'sha256'], ['SSHA512', 'sha512'], ['SMD5', 'md5']), async (pw, salt, [scheme, alg]) => {
      const d = createHash(alg as string).update(pw).update(salt).digest();
      await roundTrip(pw, { value: `{${scheme}}${b64(Buffer.concat([d, salt]))}`, cidaas: false, cloudentity: true });
      await roundTrip(pw, { value: `{SHA}${createHash('sha1').update(pw).digest('base64')}`, cidaas: true, cloudentity: true });
    }), runs);
  });

  it('HMAC-SHA-256 with a key, and the Kratos form', async () => {
    await fc.assert(fc.asyncProperty(password, fc.string({ minLength: 1, maxLength: 16 }), async (pw, key) => {
      const mac = createHmac('sha256', key).update(pw).digest();
      await roundTrip(pw, { value: mac.toString('hex'), hint: { format: 'hmac-sha256', key }, cidaas: true, cloudentity: false });
      await roundTrip(pw, { value: `$hmac-sha256$${b64(Buffer.from(mac.toString('hex')))}$${b64(Buffer.from(key))}`, cidaas: true, cloudentity: false });
    }), runs);
  });

  it('scrypt in passlib, Kratos, Django and raw forms', async () => {
    await fc.assert(fc.asyncProperty(password, saltBytes, async (pw, salt) => {
      const dk = scryptSync(pw, salt, 32, { N: 16, r: 8, p: 1 });
      await roundTrip(pw, { value: `$scrypt$ln=4,r=8,p=1$${B64(salt)}$${B64(dk)}`, cidaas: false, cloudentity: false });
      await roundTrip(pw, { value: `$scrypt$ln=16,r=8,p=1$${b64(salt)}$${b64(dk)}`, hint: { format: 'kratos-scrypt' }, cidaas: false, cloudentity: false });
      const dj = scryptSync(pw, 'seasalt', 64, { N: 16, r: 8, p: 1 });
      await roundTrip(pw, { value: `scrypt$16$seasalt$8$1$${b64(dj)}`, cidaas: false, cloudentity: false });
      await roundTrip(pw, { value: dk.toString('hex'), hint: { format: 'scrypt:N=16,r=8,p=1', salt: b64(salt), saltEncoding: 'base64' }, cidaas: false, cloudentity: false });
    }), runs);
  });

  it('sha256-crypt / sha512-crypt (rounds=1000)', async () => {
    await fc.assert(fc.asyncProperty(password, fc.boolean(), async (pw, five) => {
      const value = shaCrypt(pw, `${five ? '$5$' : '$6$'}rounds=1000$${randomBytes(6).toString('hex')}`);
      await roundTrip(pw, { value, cidaas: false, cloudentity: false });
    }), { numRuns: 4 });
  });

  it('WordPress 6.8 and bcrypt-sha256 (passlib v2, Django) built from bcrypt', async () => {
    await fc.assert(fc.asyncProperty(password, async (pw) => {
      const wpInner = createHmac('sha384', 'wp-sha384').update(pw.trim()).digest('base64');
      // WordPress trims the password before hashing, so " x " and "x" are the same password there.
      await roundTrip(`${pw}x`, { value: `$wp${bcryptHash(createHmac('sha384', 'wp-sha384').update(`${pw}x`.trim()).digest('base64'), 4)}`, cidaas: false, cloudentity: false });
      expect(wpInner.length).toBe(64);
      const django = bcryptHash(createHash('sha256').update(pw).digest('hex'), 4);
      await roundTrip(pw, { value: `bcrypt_sha256$${django}`, cidaas: false, cloudentity: false });
      const mcf = bcryptHash('placeholder', 4);
      const salt = mcf.slice(7, 29);
      const v2 = bcryptHash(createHmac('sha256', salt).update(pw).digest('base64'), 4, fromBcrypt64(salt)?.subarray(0, 16));
      expect(v2.slice(7, 29)).toBe(salt);
      await roundTrip(pw, { value: `$bcrypt-sha256$v=2,t=2b,r=4$${salt}$${v2.slice(29)}`, cidaas: false, cloudentity: false });
    }), { numRuns: 4 });
  });
});

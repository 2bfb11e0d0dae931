import { ok, unrecognised } from '../describe.ts';
import { fromBase64, fromHex, toBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { parseArgon2Phc } from './argon2.ts';
import { bcryptFamily } from './bcrypt.ts';
import { digestHash, type PlainDigest } from './digest.ts';
import { ldapFamily } from './ldap.ts';
import { pbkdf2Hash } from './pbkdf2.ts';
import { scryptHash } from './scrypt.ts';
import { verifySpringSha256 } from '../verify-legacy.ts';

/**
 * Spring Security's DelegatingPasswordEncoder: `{id}` + what that encoder wrote, with the ids of
 * PasswordEncoderFactories.createDelegatingPasswordEncoder (spring-security `crypto/`). Ids are
 * case-sensitive there, as here. Encoders that store no parameters (pbkdf2, sha256) are read with
 * the defaults that id stands for; a customised encoder needs an explicit format instead.
 */
const ID = /^\{(bcrypt|ldap|MD4|MD5|noop|pbkdf2|pbkdf2@SpringSecurity_v5_8|scrypt|scrypt@SpringSecurity_v5_8|SHA-1|SHA-256|sha256|argon2|argon2@SpringSecurity_v5_8)\}/;

/** MessageDigestPasswordEncoder / Md4PasswordEncoder: `{salt}` + hex (or base64) of H(password + "{salt}"). */
const SALTED = /^(\{[^{}]{0,128}\})?([0-9a-f]{32,128}|[A-Za-z0-9+/]{22,88}={0,2})$/;
const DIGEST: Record<string, PlainDigest> = { MD4: 'md4', MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256' };

/** Pbkdf2PasswordEncoder defaults per id: salt bytes, PRF, iterations, key bytes (hashWidth / 8). */
const PBKDF2: Record<string, { salt: number; digest: string; iterations: number; key: number }> = {
  pbkdf2: { salt: 8, digest: 'sha1', iterations: 185_000, key: 32 },
  'pbkdf2@SpringSecurity_v5_8': { salt: 16, digest: 'sha256', iterations: 310_000, key: 32 },
};

function withFormat(r: IdentifyResult, format: string, encoded: string): IdentifyResult {
  return r.ok ? { ok: true, hash: { ...r.hash, format, encoded } } : unrecognised(encoded, r.reason.replace(/^unrecognised: [^(]*\(?/, '').replace(/\)$/, ''));
}

function hexOrBase64(body: string): Buffer | undefined {
  return fromHex(body) ?? fromBase64(body);
}

function parseSpring(value: string): IdentifyResult {
  const m = ID.exec(value);
  if (!m) return unrecognised(value, 'malformed Spring {id} value');
  const id = m[1] ?? '';
  const body = value.slice(m[0].length);
  const format = `spring-${id.replace(/@SpringSecurity_v5_8$/, '')}`;
  switch (id) {
    case 'bcrypt':
      return withFormat(bcryptFamily.parse(body, {}, 'bcrypt'), 'spring-bcrypt', value);
    case 'ldap':
      return withFormat(ldapFamily.parse(body, {}, 'ldap'), 'spring-ldap', value);
    case 'noop':
      // NoOpPasswordEncoder: the password itself. ciam-migrate carries hashes, never plaintext.
      return { ok: false, reason: 'unrecognised: Spring {noop} holds the password in plain text, which is not carried over (set mapping.password.unrecognised: reset to import these users with a forced reset)' };
    case 'MD4':
    case 'MD5':
    case 'SHA-1':
    case 'SHA-256': {
      const s = SALTED.exec(body);
      const digest = s && hexOrBase64(s[2] ?? '');
      if (!s || !digest) return unrecognised(value, 'malformed Spring message digest value');
      const salt = s[1] === undefined ? undefined : Buffer.from(s[1], 'utf8');
      // The salt is the literal "{…}" text, braces included, after the password.
      return digestHash(value, format, DIGEST[id] as PlainDigest, digest, salt, salt ? { saltPosition: 'suffix' } : {});
    }
    case 'sha256': {
      // StandardPasswordEncoder: hex(salt[8] ‖ SHA-256^1024(salt ‖ secret ‖ password)); the factory's secret is empty.
      const raw = fromHex(body);
      if (!raw || raw.length !== 40) return unrecognised(value, 'Spring {sha256} must be 80 hex characters');
      return ok({ algorithm: 'spring-sha256', format, params: { iterations: 1024, saltPosition: 'prefix' }, salt: toBase64(raw.subarray(0, 8)), hash: toBase64(raw.subarray(8)), encoded: value });
    }
    case 'pbkdf2':
    case 'pbkdf2@SpringSecurity_v5_8': {
      // hex(salt ‖ PBKDF2(password, salt ‖ secret, iterations, key)); the factory's secret is empty.
      const d = PBKDF2[id] as (typeof PBKDF2)[string];
      const raw = hexOrBase64(body);
      if (!raw || raw.length !== d.salt + d.key) {
        return unrecognised(value, `Spring {${id}} must hold ${d.salt}+${d.key} bytes (a customised Pbkdf2PasswordEncoder needs format pbkdf2-<digest> with its salt and iterations)`);
      }
      return pbkdf2Hash(value, format, d.digest, d.iterations, raw.subarray(0, d.salt), raw.subarray(d.salt));
    }
    case 'scrypt':
    case 'scrypt@SpringSecurity_v5_8': {
      // SCryptPasswordEncoder: `$` hex(log2(N) << 16 | r << 8 | p) `$` base64(salt) `$` base64(key).
      const s = /^\$([0-9a-f]{1,8})\$([A-Za-z0-9+/]{4,128}={0,2})\$([A-Za-z0-9+/]{16,256}={0,2})$/.exec(body);
      const salt = s && fromBase64(s[2] ?? '');
      const key = s && fromBase64(s[3] ?? '');
      if (!s || !salt || !key) return unrecognised(value, 'malformed Spring {scrypt} value');
      const packed = parseInt(s[1] ?? '', 16);
      const N = 2 ** Math.floor(packed / 65536);
      return scryptHash(value, format, N, (packed >> 8) & 0xff, packed & 0xff, salt, key);
    }
    case 'argon2':
    case 'argon2@SpringSecurity_v5_8':
      return parseArgon2Phc(body, value, format);
    default:
      return unrecognised(value, 'unknown Spring id');
  }
}

export const springFamily: FormatFamily = {
  verify: { 'spring-sha256': verifySpringSha256 },
  family: 'spring',
  formats: ['spring', 'spring-delegating'],
  // `{MD5}` and `{sha256}` are LDAP schemes too (base64 bodies): Spring's are salted or hex.
  detect: (v) => ID.test(v) && !(v.startsWith('{MD5}') && !/^\{MD5\}(\{|[0-9a-f]{32}$)/.test(v)) && !(v.startsWith('{sha256}') && !/^\{sha256\}[0-9a-f]{80}$/.test(v)),
  parse: (value) => parseSpring(value),
};

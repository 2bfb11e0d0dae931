import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { decodeText, fromBase64, fromHex, toBase64 } from '../encoding.ts';
import type { FormatFamily, HashHint, IdentifyResult } from '../types.ts';
import { bytes, decodeDigest, formatArgs, hintSalt, numParam, param } from './common.ts';
import { constantTimeEqual, digestAny, hmac, type DigestName } from '../primitives.ts';

export type PlainDigest = 'md4' | 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export const DIGEST_LENGTH: Record<PlainDigest, number> = {
  md4: 16,
  md5: 16,
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

function isDigest(name: string): name is PlainDigest {
  return Object.hasOwn(DIGEST_LENGTH, name);
}

/**
 * Salted digest: `params.pattern` (Kratos) or `params.saltPosition` says how salt and password are
 * joined; without a salt it is H(password).
 */
export function digestHash(
  encoded: string,
  format: string,
  algorithm: PlainDigest,
  hash: Uint8Array,
  salt: Uint8Array | undefined,
  extra: Record<string, string | boolean> = {},
): IdentifyResult {
  if (hash.length !== DIGEST_LENGTH[algorithm]) {
    return unrecognised(encoded, `${hash.length}-byte digest is not ${algorithm}`);
  }
  const h: PasswordHash = { algorithm, format, params: { ...extra }, hash: toBase64(hash), encoded };
  if (salt && salt.length > 0) {
    h.salt = toBase64(salt);
    if (h.params.saltPosition === undefined && h.params.pattern === undefined) h.params.saltPosition = 'prefix';
  }
  return ok(h);
}

const DJANGO = /^(sha1|md5|unsalted_sha1|unsalted_md5)\$([^$]{0,128})\$([0-9a-f]{32,40})$/;
const KRATOS_PF =
  /^\$(md5|sha1|sha256|sha512)\$pf=([A-Za-z0-9+/]{1,256}={0,2})\$([A-Za-z0-9+/]{0,256}={0,2})\$([A-Za-z0-9+/]{16,128}={0,2})$/;
const DJANGO_START = /^(sha1|md5|unsalted_sha1|unsalted_md5)\$/;
const KRATOS_MD5 = /^\$md5\$([A-Za-z0-9+/]{22}={0,2})$/;

/** Self-describing salted/unsalted digests: Django and Kratos forms. */
export const prefixedDigestFamily: FormatFamily = {
  family: 'digest-prefixed',
  formats: ['django-digest', 'kratos-digest'],
  detect: (v) => DJANGO_START.test(v) || /^\$(md5|sha1|sha256|sha512)\$/.test(v),
  parse(value) {
    const d = DJANGO.exec(value);
    if (d) {
      const algorithm = (d[1] ?? '').replace('unsalted_', '') as PlainDigest;
      const hash = fromHex(d[3] ?? '');
      if (!hash) return unrecognised(value, 'bad hex digest');
      // Django's salted sha1/md5 hashers compute H(salt + password).
      return digestHash(value, 'django-digest', algorithm, hash, Buffer.from(d[2] ?? '', 'utf8'), { saltPosition: 'prefix' });
    }
    const k = KRATOS_MD5.exec(value);
    if (k) {
      const hash = fromBase64(k[1] ?? '');
      return hash ? digestHash(value, 'kratos-digest', 'md5', hash, undefined) : unrecognised(value, 'bad base64 digest');
    }
    const pf = KRATOS_PF.exec(value);
    if (pf) {
      const pattern = fromBase64(pf[2] ?? '')?.toString('utf8');
      const salt = fromBase64(pf[3] ?? '');
      const hash = fromBase64(pf[4] ?? '');
      if (!pattern || !salt || !hash || !pattern.includes('{PASSWORD}')) return unrecognised(value, 'bad Kratos digest pattern');
      return digestHash(value, 'kratos-digest', pf[1] as PlainDigest, hash, salt, { pattern });
    }
    return unrecognised(value, 'malformed digest string');
  },
};

/** Aliases operators commonly write in `mapping.password.format`. */
function digestName(format: string): PlainDigest | undefined {
  const n = format.toLowerCase().replace(/^(salted|plain|unsalted)[-_]/, '').replace('-', '');
  return isDigest(n) ? n : undefined;
}

/** A bare hex/base64 digest (optionally salted): only identified when the config names the algorithm. */
export const bareDigestFamily: FormatFamily = {
  // The plain digests, whichever family parsed them (LDAP, Spring, Django and Kratos prefixes too).
  verify: Object.fromEntries(Object.keys(DIGEST_LENGTH).map((d) => [d, verifyDigest])),
  family: 'digest',
  formats: ['md4', 'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha-1', 'sha-256', 'sha-384', 'sha-512',
    'salted-md5', 'salted-sha1', 'salted-sha256', 'salted-sha512', 'digest'],
  detect: () => false,
  parse(value, hint, format) {
    const algorithm = digestName(formatArgs(format).name);
    if (!algorithm) return unrecognised(value, 'unknown digest algorithm');
    const hash = decodeDigest(value, hint);
    if (!hash) return unrecognised(value, `not a ${hint.encoding ?? 'hex'} digest`);
    const salt = hintSalt(hint);
    if (hint.salt && !salt) return { ok: false, reason: `salt is not valid ${hint.saltEncoding ?? 'utf8'}` };
    return digestHash(value, 'digest', algorithm, hash, salt, salt ? { saltPosition: hint.saltPosition ?? 'prefix' } : {});
  },
};

type HmacDigest = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
const HMAC_DIGESTS: readonly string[] = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

function hmacHash(encoded: string, format: string, digest: string, mac: Uint8Array, key: Uint8Array): IdentifyResult {
  if (!HMAC_DIGESTS.includes(digest)) return unrecognised(encoded, 'unsupported HMAC digest');
  if (mac.length !== DIGEST_LENGTH[digest as HmacDigest]) return unrecognised(encoded, `MAC length does not fit hmac-${digest}`);
  if (key.length === 0) return { ok: false, reason: 'HMAC needs a non-empty key (mapping.password.key)' };
  return ok({
    algorithm: `hmac-${digest as HmacDigest}`,
    format,
    // The key (pepper) is needed to verify, so it travels with the hash; reports redact params.key.
    params: { key: toBase64(key) },
    hash: toBase64(mac),
    encoded,
  });
}

const KRATOS_HMAC = /^\$hmac-([a-z0-9]{2,8})\$([A-Za-z0-9+/]{16,256}={0,2})\$([A-Za-z0-9+/]{0,256}={0,2})$/;

export const hmacFamily: FormatFamily = {
  verify: Object.fromEntries(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].map((d) => [`hmac-${d}`, verifyHmac])),
  family: 'hmac',
  formats: ['hmac', 'hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'kratos-hmac'],
  detect: (v) => v.startsWith('$hmac-'),
  parse(value, hint, format) {
    const k = KRATOS_HMAC.exec(value);
    if (k) {
      // Kratos stores base64 of the HEX string of the MAC, not of the MAC bytes.
      const hex = fromBase64(k[2] ?? '')?.toString('latin1');
      const mac = hex ? fromHex(hex) : undefined;
      const key = fromBase64(k[3] ?? '');
      if (!mac || !key) return unrecognised(value, 'bad Kratos HMAC encoding');
      return hmacHash(value, 'kratos-hmac', k[1] ?? '', mac, key);
    }
    if (value.startsWith('$')) return unrecognised(value, 'malformed HMAC string');
    const name = formatArgs(format).name;
    const digest = name === 'hmac' ? 'sha256' : name.replace(/^hmac-/, '');
    if (hint.key === undefined) return { ok: false, reason: `${name} needs mapping.password.key` };
    const key = decodeText(hint.key, hint.keyEncoding ?? 'utf8');
    const mac = decodeDigest(value, hint);
    if (!key) return { ok: false, reason: `HMAC key is not valid ${hint.keyEncoding ?? 'utf8'}` };
    if (!mac) return unrecognised(value, `not a ${hint.encoding ?? 'hex'} digest`);
    return hmacHash(value, 'hmac', digest, mac, key);
  },
};

/** Why a bare digest cannot be identified on its own: names the candidates by length. */
export function ambiguity(value: string, hint: HashHint): string | undefined {
  const v = value.trim();
  let bytes: number | undefined;
  let enc = '';
  if (/^[0-9a-fA-F]{32,128}$/.test(v) && v.length % 2 === 0) {
    bytes = v.length / 2;
    enc = 'hex';
  } else if (/^[A-Za-z0-9+/]{20,88}={0,2}$/.test(v) && v.length % 4 === 0) {
    bytes = fromBase64(v)?.length;
    enc = 'base64';
  }
  if (bytes === undefined) return undefined;
  const candidates: Record<number, string> = {
    16: 'md5, md4 or NTLM',
    20: 'sha1 or pbkdf2-sha1',
    28: 'sha224',
    32: 'sha256, hmac-sha256, pbkdf2-sha256 or scrypt',
    48: 'sha384',
    64: 'sha512, hmac-sha512, pbkdf2-sha512 or scrypt',
  };
  const what = candidates[bytes] ?? 'an unknown digest';
  const salted = hint.salt ? ', salted' : '';
  return `ambiguous: ${v.length} ${enc} characters (${bytes} bytes${salted}) could be ${what}, set mapping.password.format`;
}

async function verifyDigest(h: PasswordHash, password: string): Promise<boolean> {
  const salt = bytes(h.salt);
  const pw = Buffer.from(password, 'utf8');
  const pattern = param(h, 'pattern');
  let parts: Buffer[];
  if (pattern) {
    // Kratos patterns interleave {SALT} and {PASSWORD} with literal separators.
    parts = pattern.split(/(\{SALT\}|\{PASSWORD\})/).map((t) => (t === '{SALT}' ? salt : t === '{PASSWORD}' ? pw : Buffer.from(t, 'utf8')));
  } else if (salt.length === 0) parts = [pw];
  else parts = param(h, 'saltPosition') === 'suffix' ? [pw, salt] : [salt, pw];
  let computed = await digestAny(h.algorithm as DigestName | 'md4', ...parts);
  // Spring's MessageDigestPasswordEncoder can iterate: each round digests the previous digest.
  const rounds = numParam(h, 'iterations');
  for (let i = 1; i < rounds; i++) computed = await digestAny(h.algorithm as DigestName | 'md4', computed);
  return constantTimeEqual(computed, bytes(h.hash));
}

function verifyHmac(h: PasswordHash, password: string): boolean {
  const alg = h.algorithm.slice('hmac-'.length) as DigestName;
  return constantTimeEqual(hmac(alg, bytes(param(h, 'key')), password), bytes(h.hash));
}

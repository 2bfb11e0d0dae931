import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { fromAb64, fromBase64, toBase64 } from '../encoding.ts';
import type { FormatFamily, HashHint, IdentifyResult } from '../types.ts';
import { bytes, decodeDigest, formatArgs, hintSalt, numParam } from './common.ts';
import { constantTimeEqual, pbkdf2Derive, type DigestName } from '../primitives.ts';

type Pbkdf2Digest = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha3-224' | 'sha3-384';
const DIGESTS: readonly string[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-224', 'sha3-384'];
/** Kratos's import limit; real deployments stay below 1.3M (OWASP 2023 for SHA-1). */
const MAX_ITERATIONS = 10_000_000;

/**
 * Ory Kratos reads `$pbkdf2-sha224$`/`$pbkdf2-sha384$` with SHA3 (hash/hasher_pbkdf2.go, "kept for
 * backwards compatibility"); everyone else means SHA-2. Only a hint naming the Kratos dialect switches.
 */
function digestFor(digest: string, hint: HashHint): string {
  if (hint.dialect === 'kratos' && (digest === 'sha224' || digest === 'sha384')) return `sha3-${digest.slice(3)}`;
  return digest;
}

export function pbkdf2Hash(
  encoded: string,
  format: string,
  digest: string,
  iterations: number,
  salt: Uint8Array,
  hash: Uint8Array,
  extra: Record<string, string | number> = {},
): IdentifyResult {
  if (!DIGESTS.includes(digest)) return unrecognised(encoded, `unsupported PBKDF2 digest ${digest.slice(0, 12)}`);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    return unrecognised(encoded, 'PBKDF2 iterations out of range');
  }
  if (hash.length < 8) return unrecognised(encoded, 'PBKDF2 key too short');
  const h: PasswordHash = {
    algorithm: `pbkdf2-${digest as Pbkdf2Digest}`,
    format,
    params: { iterations, keyLength: hash.length, ...extra },
    salt: toBase64(salt),
    hash: toBase64(hash),
    encoded,
  };
  return ok(h);
}

const DJANGO = /^pbkdf2_(sha1|sha256)\$(\d{1,9})\$([^$]{0,128})\$([A-Za-z0-9+/]{16,128}={0,2})$/;
/**
 * passlib `$pbkdf2[-sha256|-sha512]$rounds$salt$key` and its LDAP twins `{PBKDF2[-SHA1|-SHA256|-SHA512]}`
 * (passlib's ldap_pbkdf2_* and OpenLDAP's contrib pw-pbkdf2). passlib writes "adapted base64"
 * (`.` for `+`, no padding); other writers of the same layout use standard base64, so both are read.
 */
const PASSLIB =
  /^(?:\$pbkdf2(?:-(sha1|sha256|sha512))?\$|\{PBKDF2(?:-(SHA1|SHA256|SHA512))?\})(\d{1,9})\$([./+A-Za-z0-9]{0,128}={0,2})\$([./+A-Za-z0-9]{16,128}={0,2})$/;
const PHC = /^\$pbkdf2-([a-z0-9]{1,10})\$i=(\d{1,9}),l=(\d{1,4})\$([A-Za-z0-9+/]{0,128}={0,2})\$([A-Za-z0-9+/]{8,512}={0,2})$/;

/** ab64 (with `.`) or standard base64 (with `+`, maybe padded); a value mixing both is neither. */
function fromAb64OrBase64(value: string): Buffer | undefined {
  if (value.includes('.')) return value.includes('+') || value.includes('=') ? undefined : fromAb64(value);
  return fromBase64(value);
}

export const pbkdf2Family: FormatFamily = {
  verify: Object.fromEntries(['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-224', 'sha3-384'].map((d) => [`pbkdf2-${d}`, verifyPbkdf2])),
  family: 'pbkdf2',
  formats: ['django-pbkdf2', 'passlib-pbkdf2', 'phc-pbkdf2', 'pbkdf2', 'pbkdf2-sha1', 'pbkdf2-sha224', 'pbkdf2-sha256', 'pbkdf2-sha384', 'pbkdf2-sha512'],
  detect: (v) => v.startsWith('pbkdf2_sha') || v.startsWith('$pbkdf2') || /^\{PBKDF2(-SHA\d{1,3})?\}/.test(v),
  parse(value, hint, format) {
    const d = DJANGO.exec(value);
    if (d) {
      const hash = fromBase64(d[4] ?? '');
      if (!hash) return unrecognised(value, 'bad PBKDF2 hash encoding');
      return pbkdf2Hash(value, 'django-pbkdf2', d[1] ?? '', Number(d[2]), Buffer.from(d[3] ?? '', 'utf8'), hash);
    }
    const phc = PHC.exec(value);
    if (phc) {
      const salt = fromBase64(phc[4] ?? '');
      const hash = fromBase64(phc[5] ?? '');
      if (!salt || !hash) return unrecognised(value, 'bad PBKDF2 salt or hash encoding');
      // Kratos derives as many bytes as the stored key has and ignores l= (hash_comparator.go); a
      // string whose l= disagrees verifies only there, so it is read the same way and the l= kept.
      const stated = Number(phc[3]);
      const extra: Record<string, number> = stated === hash.length ? {} : { statedKeyLength: stated };
      return pbkdf2Hash(value, 'phc-pbkdf2', digestFor(phc[1] ?? '', hint), Number(phc[2]), salt, hash, extra);
    }
    const p = PASSLIB.exec(value);
    if (p) {
      const salt = fromAb64OrBase64(p[4] ?? '');
      const hash = fromAb64OrBase64(p[5] ?? '');
      if (!salt || !hash) return unrecognised(value, 'bad PBKDF2 salt or key encoding (neither ab64 nor base64)');
      const digest = (p[1] ?? p[2]?.toLowerCase() ?? 'sha1') as string;
      return pbkdf2Hash(value, 'passlib-pbkdf2', digest, Number(p[3]), salt, hash);
    }
    if (value.startsWith('$') || value.startsWith('{') || value.startsWith('pbkdf2_')) {
      return unrecognised(value, 'malformed PBKDF2 string');
    }
    return parseRawPbkdf2(value, hint, format);
  },
};

/** A bare derived key with salt and iterations from the config, e.g. format pbkdf2-sha256. */
function parseRawPbkdf2(value: string, hint: HashHint, format: string): IdentifyResult {
  const { name } = formatArgs(format);
  const digest = name === 'pbkdf2' ? 'sha1' : name.replace(/^pbkdf2-/, '');
  const salt = hintSalt(hint);
  const hash = decodeDigest(value, hint);
  if (!hint.iterations) return { ok: false, reason: `${name} needs mapping.password.iterations` };
  if (!salt) return { ok: false, reason: `${name} needs the salt (mapping.password.salt)` };
  if (!hash) return unrecognised(value, `not a ${hint.encoding ?? 'hex'} digest`);
  return pbkdf2Hash(value, 'pbkdf2-raw', digest, hint.iterations, salt, hash);
}

/** Atlassian (Crowd, Jira, Confluence) `{PKCS5S2}`: base64(salt[16] ‖ PBKDF2-HMAC-SHA1(10000, 32)). */
export const atlassianFamily: FormatFamily = {
  family: 'atlassian-pbkdf2',
  formats: ['atlassian', 'atlassian-pbkdf2'],
  detect: (v) => v.startsWith('{PKCS5S2}'),
  parse(value) {
    const raw = fromBase64(value.slice(9));
    if (!value.startsWith('{PKCS5S2}') || !raw || raw.length !== 48) return unrecognised(value, 'malformed {PKCS5S2} value');
    return pbkdf2Hash(value, 'atlassian-pbkdf2', 'sha1', 10000, raw.subarray(0, 16), raw.subarray(16));
  },
};

const ASPNET_PRF = ['sha1', 'sha256', 'sha512'] as const;

/** ASP.NET Identity V2 (0x00 ‖ salt16 ‖ key32, HMAC-SHA1 ×1000) and V3 (0x01 ‖ prf ‖ iter ‖ saltLen ‖ salt ‖ key). */
function parseAspnet(value: string): IdentifyResult {
  const raw = fromBase64(value.trim());
  if (!raw || raw.length < 13) return unrecognised(value, 'not an ASP.NET Identity blob');
  if (raw[0] === 0x00) {
    if (raw.length !== 49) return unrecognised(value, 'ASP.NET V2 blob must be 49 bytes');
    return pbkdf2Hash(value, 'aspnet-identity-v2', 'sha1', 1000, raw.subarray(1, 17), raw.subarray(17));
  }
  if (raw[0] === 0x01) {
    const prf = raw.readUInt32BE(1);
    const iterations = raw.readUInt32BE(5);
    const saltLength = raw.readUInt32BE(9);
    const digest = ASPNET_PRF[prf];
    if (!digest || saltLength < 8 || saltLength > 64 || 13 + saltLength + 16 > raw.length) {
      return unrecognised(value, 'inconsistent ASP.NET V3 header');
    }
    return pbkdf2Hash(value, 'aspnet-identity-v3', digest, iterations, raw.subarray(13, 13 + saltLength), raw.subarray(13 + saltLength));
  }
  return unrecognised(value, 'unknown ASP.NET Identity version byte');
}

/**
 * Matches only blobs whose header is self-consistent, so a bare base64 digest is never taken for one.
 * The first byte is the version (0x00 or 0x01), so the first character is `A`; the second carries
 * that byte's last two bits and the top four bits of the next byte: `A`–`P` for V2 (any first salt
 * byte), `Q` for V3 (its PRF starts with a zero byte).
 */
function looksAspnet(v: string): boolean {
  if (v.length < 60 || v.length > 300 || !/^A[A-Q][A-Za-z0-9+/]+={0,2}$/.test(v)) return false;
  return parseAspnet(v).ok;
}

export const aspnetFamily: FormatFamily = {
  family: 'aspnet-identity',
  formats: ['aspnet-identity', 'aspnet', 'aspnet-identity-v2', 'aspnet-identity-v3'],
  detect: looksAspnet,
  parse: (value) => parseAspnet(value),
};

async function verifyPbkdf2(h: PasswordHash, password: string): Promise<boolean> {
  const expected = bytes(h.hash);
  const alg = h.algorithm.slice('pbkdf2-'.length) as DigestName;
  const got = await pbkdf2Derive(alg, password, bytes(h.salt), numParam(h, 'iterations'), expected.length);
  return constantTimeEqual(got, expected);
}

import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { fromBase64, toB64, toBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { argon2Verify } from '../primitives.ts';
import { param } from './common.ts';

const PHC =
  /^\$argon2(id|i|d)\$(?:v=(\d{1,3})\$)?m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})(?:,[a-z]{1,8}=[A-Za-z0-9+/]{0,64}){0,2}\$([A-Za-z0-9+/]{8,128})\$([A-Za-z0-9+/]{16,256})$/;

export interface Argon2Params {
  type: 'id' | 'i' | 'd';
  version: number;
  m: number;
  t: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** The canonical PHC string (no keyid/data), which every argon2 verifier takes. */
export function argon2Phc(a: Argon2Params): string {
  return `$argon2${a.type}$v=${a.version}$m=${a.m},t=${a.t},p=${a.p}$${toB64(a.salt)}$${toB64(a.hash)}`;
}

export function argon2Hash(a: Argon2Params, format: string, encoded: string): PasswordHash {
  return {
    algorithm: `argon2${a.type}`,
    format,
    params: { version: a.version, m: a.m, t: a.t, p: a.p, keyLength: a.hash.length, phc: argon2Phc(a) },
    salt: toBase64(a.salt),
    hash: toBase64(a.hash),
    encoded,
  };
}

function parsePhc(value: string, encoded: string, format: string): IdentifyResult {
  const match = PHC.exec(value);
  if (!match) return unrecognised(encoded, 'malformed argon2 PHC string');
  const salt = fromBase64(match[6] ?? '');
  const hash = fromBase64(match[7] ?? '');
  if (!salt || !hash) return unrecognised(encoded, 'bad argon2 salt or hash encoding');
  // libargon2 decodes strictly: a last character whose unused low bits are not zero is refused,
  // so such a string never verified at the source. Taking it would let the target accept it.
  if (toB64(salt) !== match[6] || toB64(hash) !== match[7]) {
    return unrecognised(encoded, 'argon2 salt or hash is not canonical base64 (libargon2 refuses it)');
  }
  // Hashes from before v1.3 omit `v=`; 16 is what the reference implementation assumes then.
  const version = match[2] === undefined ? 16 : Number(match[2]);
  if (version !== 16 && version !== 19) return unrecognised(encoded, 'unknown argon2 version');
  // Bounds well above any real deployment, so a corrupt row cannot make verify() allocate
  // gigabytes or spin for minutes (the same idea as Kratos's hash_limits.go).
  const m = Number(match[3]);
  const t = Number(match[4]);
  const p = Number(match[5]);
  if (m < 8 || m > 4 * 1024 * 1024 || t < 1 || t > 1000 || p < 1 || p > 255) return unrecognised(encoded, 'argon2 parameters out of range');
  const a: Argon2Params = {
    type: (match[1] ?? 'id') as Argon2Params['type'],
    version,
    m,
    t,
    p,
    salt,
    hash,
  };
  return ok(argon2Hash(a, format, encoded));
}

export const argon2Family: FormatFamily = {
  verify: { argon2id: verifyArgon2, argon2i: verifyArgon2, argon2d: verifyArgon2 },
  family: 'argon2',
  formats: ['argon2', 'argon2id', 'argon2i', 'argon2d', 'django-argon2'],
  detect: (v) => v.startsWith('$argon2') || v.startsWith('argon2$argon2'),
  parse(value) {
    if (value.startsWith('argon2$')) return parsePhc(value.slice(6), value, 'django-argon2');
    return parsePhc(value, value, 'argon2');
  },
};

/** A PHC argon2 string inside another wrapper (OpenLDAP `{ARGON2}`, Spring `{argon2}`), parsed as `format`. */
export function parseArgon2Phc(phc: string, encoded: string, format: string): IdentifyResult {
  return parsePhc(phc, encoded, format);
};

function verifyArgon2(h: PasswordHash, password: string): Promise<boolean> {
  return argon2Verify(password, param(h, 'phc'));
}

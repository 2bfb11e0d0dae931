import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { toBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { md5Crypt } from '../crypt-impl.ts';
import { constantTimeEqualString } from '../primitives.ts';
import { verifyDesCrypt } from '../verify-legacy.ts';
import { decodeYescryptNumber, verifyYescrypt } from '../yescrypt.ts';
import { param } from './common.ts';

const MD5 = /^\$(1|apr1)\$([^$\s:]{0,8})\$([./0-9A-Za-z]{22})$/;
const SHA = /^\$([56])\$(?:rounds=(\d{1,9})\$)?([^$\s:]{0,16})\$([./0-9A-Za-z]{43}|[./0-9A-Za-z]{86})$/;

/** Kratos spells the crypt prefixes out; everything else uses the crypt(3) ids. */
const KRATOS_PREFIX: Record<string, string> = { '$md5-crypt$': '$1$', '$sha256-crypt$': '$5$', '$sha512-crypt$': '$6$' };

export function parseCryptString(value: string, encoded: string, format: string): IdentifyResult {
  let mcf = value;
  let fmt = format;
  for (const [from, to] of Object.entries(KRATOS_PREFIX)) {
    if (value.startsWith(from)) {
      mcf = to + value.slice(from.length);
      fmt = format === 'crypt' ? `kratos-${from.slice(1, -1)}` : format;
    }
  }
  const m = MD5.exec(mcf);
  if (m) {
    const h: PasswordHash = {
      algorithm: m[1] === 'apr1' ? 'apr1-md5-crypt' : 'md5-crypt',
      format: fmt,
      params: { mcf, hashEncoding: 'crypt64' },
      salt: toBase64(Buffer.from(m[2] ?? '', 'utf8')),
      hash: m[3] ?? '',
      encoded,
    };
    return ok(h);
  }
  const s = SHA.exec(mcf);
  if (s) {
    const sha512 = s[1] === '6';
    const digest = s[4] ?? '';
    if (digest.length !== (sha512 ? 86 : 43)) return unrecognised(encoded, 'sha-crypt digest length does not fit');
    const rounds = s[2] === undefined ? 5000 : Number(s[2]);
    // crypt(3) clamps rounds to [1000, 999999999]; a string outside that was not made by it. Above
    // 10M (about a minute per verify) we refuse rather than let one row stall a verifier.
    if (rounds < 1000 || rounds > 10_000_000) return unrecognised(encoded, 'sha-crypt rounds out of range');
    return ok({
      algorithm: sha512 ? 'sha512-crypt' : 'sha256-crypt',
      format: fmt,
      params: { mcf, rounds, hashEncoding: 'crypt64' },
      salt: toBase64(Buffer.from(s[3] ?? '', 'utf8')),
      hash: digest,
      encoded,
    });
  }
  if (mcf.startsWith('$y$')) return parseYescrypt(mcf, encoded, format === 'crypt' ? 'yescrypt' : format);
  if (DES.test(mcf)) {
    // Traditional DES crypt: 2 salt characters and 11 of digest; only the first 8 characters of
    // a password count. Not self-describing on its own (13 characters could be anything).
    return ok({ algorithm: 'des-crypt', format: fmt === 'crypt' ? 'des-crypt' : fmt, params: { mcf, hashEncoding: 'crypt64' }, salt: toBase64(Buffer.from(mcf.slice(0, 2), 'utf8')), hash: mcf.slice(2), encoded });
  }
  return unrecognised(encoded, 'malformed crypt string');
}

const DES = /^[./0-9A-Za-z]{13}$/;
const YESCRYPT = /^\$y\$([./0-9A-Za-z]{3,40})\$([./0-9A-Za-z]{1,86})\$([./0-9A-Za-z]{43})$/;
const YESCRYPT_RW = 2;

/**
 * yescrypt `$y$<params>$<salt>$<hash>` (libxcrypt's default on Debian ≥ 11, Fedora, Ubuntu ≥ 22.04).
 * The parameters are decoded into clear names (N, r, p, t, memoryKiB) so cost bounds can be applied.
 */
function parseYescrypt(mcf: string, encoded: string, format: string): IdentifyResult {
  const m = YESCRYPT.exec(mcf);
  if (!m) return unrecognised(encoded, 'malformed yescrypt string');
  const params = m[1] ?? '';
  const flavor = decodeYescryptNumber(params, 0, 0);
  const nLog2 = flavor && decodeYescryptNumber(params, flavor[1], 1);
  const r = nLog2 && decodeYescryptNumber(params, nLog2[1], 1);
  if (!flavor || !nLog2 || !r || nLog2[0] > 63) return unrecognised(encoded, 'malformed yescrypt parameters');
  let p = 1;
  let t = 0;
  let g = 0;
  let at = r[1];
  if (at < params.length) {
    const have = decodeYescryptNumber(params, at, 1);
    if (!have) return unrecognised(encoded, 'malformed yescrypt parameters');
    at = have[1];
    const next = (min: number): number | undefined => {
      const v = decodeYescryptNumber(params, at, min);
      if (!v) return undefined;
      at = v[1];
      return v[0];
    };
    if (have[0] & 1) p = next(2) ?? -1;
    if (have[0] & 2) t = next(1) ?? -1;
    if (have[0] & 4) g = next(1) ?? -1;
    // A ROM (have & 8) needs the shared ROM the hash was made with, which no export carries.
    if (have[0] & 8 || have[0] > 15 || p < 0 || t < 0 || g < 0 || at !== params.length) {
      return unrecognised(encoded, 'yescrypt parameters this build cannot use (ROM or unknown fields)');
    }
  }
  const flags = flavor[0] < YESCRYPT_RW ? flavor[0] : YESCRYPT_RW + (flavor[0] - YESCRYPT_RW) * 4;
  if (flavor[0] > YESCRYPT_RW + (0x3fc >> 2)) return unrecognised(encoded, 'unknown yescrypt flavor');
  const N = 2 ** nLog2[0];
  const memoryKiB = (128 * N * r[0]) / 1024;
  // 2 GiB, as for scrypt: a corrupt row must not make a verifier allocate the machine away.
  if (N < 2 || r[0] < 1 || p < 1 || memoryKiB * p > 2 * 1024 * 1024) return unrecognised(encoded, 'yescrypt parameters out of range');
  return ok({
    algorithm: 'yescrypt',
    format,
    params: { mcf, N, r: r[0], p, t, g, flags, memoryKiB, hashEncoding: 'crypt64' },
    salt: toBase64(Buffer.from(m[2] ?? '', 'utf8')),
    hash: m[3] ?? '',
    encoded,
  });
}

export const cryptFamily: FormatFamily = {
  verify: {
    'md5-crypt': verifyMd5Crypt,
    'apr1-md5-crypt': verifyMd5Crypt,
    'sha256-crypt': verifyShaCrypt,
    'sha512-crypt': verifyShaCrypt,
    'des-crypt': (h, password) => verifyDesCrypt(param(h, 'mcf'), password),
    yescrypt: (h, password) => verifyYescrypt(param(h, 'mcf'), password),
  },
  family: 'crypt',
  formats: ['crypt', 'md5-crypt', 'apr1', 'sha-crypt', 'sha256-crypt', 'sha512-crypt', 'kratos-sha-crypt', 'kratos-md5-crypt', 'des-crypt', 'yescrypt'],
  detect: (v) => /^\$(1|apr1|5|6|y|md5-crypt|sha256-crypt|sha512-crypt)\$/.test(v),
  parse: (value) => parseCryptString(value, value, 'crypt'),
};

function verifyMd5Crypt(h: PasswordHash, password: string): boolean {
  const mcf = param(h, 'mcf');
  const salt = mcf.split('$')[2] ?? '';
  return constantTimeEqualString(md5Crypt(password, salt, h.algorithm === 'apr1-md5-crypt' ? '$apr1$' : '$1$'), mcf);
}

type ShaCryptVerify = (plaintext: string, hash: string) => boolean;
let shaCrypt: Promise<ShaCryptVerify> | undefined;
/**
 * unixcrypt is ESM-only (no `require` condition); loading it lazily with import() keeps this module
 * loadable from the CommonJS bootstrap the worker pool uses under tsx.
 */
function loadShaCrypt(): Promise<ShaCryptVerify> {
  shaCrypt ??= import('unixcrypt').then((m) => m.verify);
  return shaCrypt;
}

async function verifyShaCrypt(h: PasswordHash, password: string): Promise<boolean> {
  try {
    return (await loadShaCrypt())(password, param(h, 'mcf'));
  } catch {
    return false;
  }
}

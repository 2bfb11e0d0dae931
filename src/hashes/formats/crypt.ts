import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { toBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';

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
  return unrecognised(encoded, 'malformed crypt string');
}

export const cryptFamily: FormatFamily = {
  family: 'crypt',
  formats: ['crypt', 'md5-crypt', 'apr1', 'sha-crypt', 'sha256-crypt', 'sha512-crypt', 'kratos-sha-crypt', 'kratos-md5-crypt'],
  detect: (v) => /^\$(1|apr1|5|6|md5-crypt|sha256-crypt|sha512-crypt)\$/.test(v),
  parse: (value) => parseCryptString(value, value, 'crypt'),
};

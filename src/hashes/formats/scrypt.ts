import { ok, unrecognised } from '../describe.ts';
import { fromBase64, toBase64 } from '../encoding.ts';
import type { FormatFamily, HashHint, IdentifyResult } from '../types.ts';
import { bytes, decodeDigest, formatArgs, hintSalt, numParam } from './common.ts';
import type { PasswordHash } from '../../model/index.ts';
import { constantTimeEqual, scryptDerive } from '../primitives.ts';

const PHC = /^\$scrypt\$ln=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{0,128}={0,2})\$([A-Za-z0-9+/]{16,256}={0,2})$/;
const DJANGO = /^scrypt\$(\d{1,8})\$([^$]{0,128})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]{16,256}={0,2})$/;

function isPowerOfTwo(n: number): boolean {
  return n >= 2 && Number.isInteger(Math.log2(n));
}

export function scryptHash(
  encoded: string,
  format: string,
  N: number,
  r: number,
  p: number,
  salt: Buffer,
  hash: Buffer,
): IdentifyResult {
  // 128·N·r bytes of memory: cap at 2 GiB so a corrupt row cannot exhaust the machine.
  if (!isPowerOfTwo(N) || r < 1 || p < 1 || p > 64 || 128 * N * r > 2 ** 31) return unrecognised(encoded, 'bad scrypt parameters');
  return ok({
    algorithm: 'scrypt',
    format,
    params: { N, r, p, keyLength: hash.length },
    salt: toBase64(salt),
    hash: toBase64(hash),
    encoded,
  });
}

function parseRaw(value: string, hint: HashHint, format: string): IdentifyResult {
  const { args } = formatArgs(format);
  const N = args.N ?? hint.iterations;
  const salt = hintSalt(hint);
  const hash = decodeDigest(value, hint);
  if (N === undefined) return { ok: false, reason: 'scrypt needs N: set format scrypt:N=16384,r=8,p=1' };
  if (!salt) return { ok: false, reason: 'scrypt needs the salt (mapping.password.salt)' };
  if (!hash) return unrecognised(value, `not a ${hint.encoding ?? 'hex'} digest`);
  return scryptHash(value, 'scrypt-raw', N, args.r ?? 8, args.p ?? 1, salt, hash);
}

export const scryptFamily: FormatFamily = {
  verify: { scrypt: verifyScrypt },
  family: 'scrypt',
  formats: ['scrypt', 'scrypt-raw', 'passlib-scrypt', 'kratos-scrypt', 'django-scrypt'],
  detect: (v) => v.startsWith('$scrypt$') || v.startsWith('scrypt$'),
  parse(value, hint, format) {
    const name = formatArgs(format).name;
    if (name === 'scrypt' || name === 'scrypt-raw') {
      if (!value.startsWith('$scrypt$') && !value.startsWith('scrypt$')) return parseRaw(value, hint, format);
    }
    const d = DJANGO.exec(value);
    if (d) {
      const hash = fromBase64(d[5] ?? '');
      if (!hash) return unrecognised(value, 'bad scrypt hash encoding');
      return scryptHash(value, 'django-scrypt', Number(d[1]), Number(d[3]), Number(d[4]), Buffer.from(d[2] ?? '', 'utf8'), hash);
    }
    const m = PHC.exec(value);
    if (!m) return unrecognised(value, 'malformed scrypt string');
    const ln = Number(m[1]);
    const salt = fromBase64(m[4] ?? '');
    const hash = fromBase64(m[5] ?? '');
    if (!salt || !hash) return unrecognised(value, 'bad scrypt salt or hash encoding');
    // passlib writes log2(N); Kratos writes N itself. log2(N) > 31 is impossible, so a large
    // value can only be N — and an explicit format settles the small cases.
    const kratos = name === 'kratos-scrypt' || (name !== 'passlib-scrypt' && ln > 31);
    const N = kratos ? ln : 2 ** ln;
    return scryptHash(value, kratos ? 'kratos-scrypt' : 'passlib-scrypt', N, Number(m[2]), Number(m[3]), salt, hash);
  },
};

async function verifyScrypt(h: PasswordHash, password: string): Promise<boolean> {
  const expected = bytes(h.hash);
  const got = await scryptDerive(password, bytes(h.salt), numParam(h, 'N'), numParam(h, 'r'), numParam(h, 'p'), expected.length);
  return constantTimeEqual(got, expected);
}

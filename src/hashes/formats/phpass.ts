import { ok, unrecognised } from '../describe.ts';
import { CRYPT64, cryptEncode64, toBase64 } from '../encoding.ts';
import type { FormatFamily } from '../types.ts';
import type { PasswordHash } from '../../model/index.ts';
import { constantTimeEqualString, digest, type DigestName } from '../primitives.ts';
import { numParam, param } from './common.ts';

const PHPASS = /^(U?)\$([PHS])\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]{22}|[./0-9A-Za-z]{43})$/;

/**
 * phpass portable ($P$ WordPress ≤ 6.7, $H$ phpBB3) and Drupal 7 ($S$, SHA-512 truncated to 55
 * characters). Drupal 7 prefixes `U` to hashes it wrapped around a Drupal 6 md5(pw).
 */
export const phpassFamily: FormatFamily = {
  verify: { phpass: verifyPhpass, drupal7: verifyPhpass },
  family: 'phpass',
  formats: ['phpass', 'drupal7', 'drupal'],
  detect: (v) => /^U?\$[PHS]\$/.test(v),
  parse(value) {
    const m = PHPASS.exec(value);
    if (!m) return unrecognised(value, 'malformed phpass/Drupal string');
    const sha512 = m[2] === 'S';
    if ((m[5] ?? '').length !== (sha512 ? 43 : 22)) return unrecognised(value, 'phpass digest length does not fit');
    const log2 = CRYPT64.indexOf(m[3] ?? '');
    // phpass allows 2^7..2^30; WordPress/phpBB/Drupal use 2^8..2^16. Above 2^24 one verify takes
    // minutes, so such a value is treated as corrupt.
    if (log2 < 7 || log2 > 24) return unrecognised(value, 'phpass iteration count out of range');
    return ok({
      algorithm: sha512 ? 'drupal7' : 'phpass',
      format: sha512 ? 'drupal7' : 'phpass',
      params: {
        mcf: value.slice(m[1] ? 1 : 0),
        log2Rounds: log2,
        hashEncoding: 'crypt64',
        ...(m[1] ? { prehash: 'md5-hex' } : {}),
      },
      salt: toBase64(Buffer.from(m[4] ?? '', 'utf8')),
      hash: m[5] ?? '',
      encoded: value,
    });
  },
};

function verifyPhpass(h: PasswordHash, password: string): boolean {
  const mcf = param(h, 'mcf');
  const alg: DigestName = h.algorithm === 'drupal7' ? 'sha512' : 'md5';
  const pw = Buffer.from(param(h, 'prehash') === 'md5-hex' ? digest('md5', password).toString('hex') : password, 'utf8');
  const count = 2 ** numParam(h, 'log2Rounds');
  let d = digest(alg, mcf.slice(4, 12), pw);
  for (let i = 0; i < count; i++) d = digest(alg, d, pw);
  const full = mcf.slice(0, 12) + cryptEncode64(d, d.length);
  return constantTimeEqualString(full.slice(0, mcf.length), mcf);
}

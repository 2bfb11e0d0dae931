import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { bcrypt64SliceToBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { digest, hmac, bcryptVerify } from '../primitives.ts';
import { verifyBcrypt2x } from '../verify-legacy.ts';
import { param } from './common.ts';

interface BcryptParts {
  variant: string;
  cost: number;
  salt: string;
  hash: string;
}

/**
 * Split a `$2?$cc$<salt><digest>` string (`^\$(2[abxy]?)\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$`);
 * undefined when it is not a well-formed bcrypt string. Read by position rather than by that
 * regex: every migrated bcrypt user passes here, and a match would allocate five strings.
 */
export function parseBcryptMcf(value: string): BcryptParts | undefined {
  const variantEnd = value.charCodeAt(2) === DOLLAR ? 2 : 3;
  if (value.length !== variantEnd + 57 || value.charCodeAt(0) !== DOLLAR || value.charCodeAt(1) !== TWO) return undefined;
  if (variantEnd === 3 && !VARIANT_LETTERS.includes(value.charAt(2))) return undefined;
  if (value.charCodeAt(variantEnd) !== DOLLAR || value.charCodeAt(variantEnd + 3) !== DOLLAR) return undefined;
  const tens = value.charCodeAt(variantEnd + 1) - ZERO;
  const ones = value.charCodeAt(variantEnd + 2) - ZERO;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) return undefined;
  const cost = tens * 10 + ones;
  if (cost < 4 || cost > 31) return undefined;
  // bcrypt uses 16 of the salt's 22 characters' bytes and 23 of the digest's 31; the rest are padding bits.
  // The translation refuses any character outside bcrypt's alphabet, as the pattern does.
  const salt = bcrypt64SliceToBase64(value, variantEnd + 4, 16);
  const hash = bcrypt64SliceToBase64(value, variantEnd + 26, 23);
  if (salt === undefined || hash === undefined) return undefined;
  return { variant: value.slice(1, variantEnd), cost, salt, hash };
}

const DOLLAR = 0x24;
const TWO = 0x32;
const ZERO = 0x30;
const VARIANT_LETTERS = 'abxy';

function bcryptHash(
  encoded: string,
  mcf: string,
  algorithm: PasswordHash['algorithm'],
  format: string,
  extra?: Record<string, string | number>,
): IdentifyResult {
  const p = parseBcryptMcf(mcf);
  if (!p) return unrecognised(encoded, 'malformed bcrypt string');
  const params: Record<string, string | number> = { variant: p.variant, cost: p.cost, mcf };
  if (extra) Object.assign(params, extra);
  return ok({
    algorithm,
    format,
    params,
    salt: p.salt,
    hash: p.hash,
    encoded,
  });
}

export const bcryptFamily: FormatFamily = {
  verify: { bcrypt: verifyBcrypt },
  family: 'bcrypt',
  formats: ['bcrypt', 'django-bcrypt'],
  detect: (v) => /^\$2[abxy]?\$/.test(v) || v.startsWith('bcrypt$$2'),
  parse(value) {
    // Django stores `bcrypt$` + the plain bcrypt string.
    if (value.startsWith('bcrypt$')) return bcryptHash(value, value.slice(7), 'bcrypt', 'django-bcrypt');
    return bcryptHash(value, value, 'bcrypt', 'bcrypt');
  },
};

/**
 * bcrypt over a SHA-256 pre-hash, to lift bcrypt's 72-byte limit:
 * - passlib v1 `$bcrypt-sha256$2b,12$salt$digest`: bcrypt(base64(sha256(pw)))
 * - passlib v2 `$bcrypt-sha256$v=2,t=2b,r=12$salt$digest`: bcrypt(base64(hmac-sha256(key=salt, pw)))
 * - Django `bcrypt_sha256$$2b$…`: bcrypt(hex(sha256(pw)))
 */
const PASSLIB_V1 = /^\$bcrypt-sha256\$(2[ab]),(\d{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/;
const PASSLIB_V2 = /^\$bcrypt-sha256\$v=2,t=(2[ab]),r=(\d{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/;

export const bcryptSha256Family: FormatFamily = {
  verify: { 'bcrypt-sha256': verifyBcryptSha256 },
  family: 'bcrypt-sha256',
  formats: ['bcrypt-sha256', 'django-bcrypt-sha256'],
  detect: (v) => v.startsWith('$bcrypt-sha256$') || v.startsWith('bcrypt_sha256$'),
  parse(value) {
    if (value.startsWith('bcrypt_sha256$')) {
      return bcryptHash(value, value.slice(14), 'bcrypt-sha256', 'django-bcrypt-sha256', { prehash: 'sha256-hex' });
    }
    const v2 = PASSLIB_V2.exec(value);
    const v1 = v2 ? undefined : PASSLIB_V1.exec(value);
    const m = v2 ?? v1;
    if (!m) return unrecognised(value, 'malformed bcrypt-sha256 string');
    const mcf = `$${m[1]}$${(m[2] ?? '').padStart(2, '0')}$${m[3]}${m[4]}`;
    return bcryptHash(value, mcf, 'bcrypt-sha256', 'passlib-bcrypt-sha256', {
      prehash: v2 ? 'hmac-sha256-b64' : 'sha256-b64',
    });
  },
};

/** WordPress 6.8+: `$wp` + bcrypt(base64(HMAC-SHA384(key "wp-sha384", trim(pw)))). */
export const wordpressFamily: FormatFamily = {
  verify: { 'wordpress-bcrypt': verifyWordpress },
  family: 'wordpress-bcrypt',
  formats: ['wordpress-6.8', 'wordpress-bcrypt'],
  detect: (v) => v.startsWith('$wp$2'),
  parse(value) {
    if (!value.startsWith('$wp$')) return unrecognised(value, 'expected $wp$');
    return bcryptHash(value, value.slice(3), 'wordpress-bcrypt', 'wordpress-6.8');
  },
};

function verifyBcrypt(h: PasswordHash, password: string): Promise<boolean> {
  if (h.params.variant === '2x') return verifyBcrypt2x(param(h, 'mcf') || h.encoded, password);
  return bcryptVerify(password, param(h, 'mcf') || h.encoded);
}

async function verifyBcryptSha256(h: PasswordHash, password: string): Promise<boolean> {
  const mcf = param(h, 'mcf');
  const prehash = param(h, 'prehash');
  let key: string;
  if (prehash === 'sha256-hex') key = digest('sha256', password).toString('hex');
  else if (prehash === 'hmac-sha256-b64') key = hmac('sha256', mcf.slice(7, 29), password).toString('base64');
  else key = digest('sha256', password).toString('base64');
  return bcryptVerify(key, mcf);
}

function verifyWordpress(h: PasswordHash, password: string): Promise<boolean> {
  return bcryptVerify(hmac('sha384', 'wp-sha384', phpTrim(password)).toString('base64'), param(h, 'mcf'));
}

/** PHP's trim() set, which WordPress applies before hashing (JS trim() removes more). */
const PHP_TRIM = new Set([' ', '\t', '\n', '\r', '\0', '\u000b']);
function phpTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && PHP_TRIM.has(s[start] ?? '')) start++;
  while (end > start && PHP_TRIM.has(s[end - 1] ?? '')) end--;
  return s.slice(start, end);
}

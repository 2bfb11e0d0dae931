import type { PasswordHash } from '../../model/index.ts';
import { ok, unrecognised } from '../describe.ts';
import { bcrypt64ToBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';

const MCF = /^\$(2[abxy]?)\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

interface BcryptParts {
  variant: string;
  cost: number;
  salt: string;
  hash: string;
}

/** Split a `$2?$cc$<salt><digest>` string; undefined when it is not a well-formed bcrypt string. */
export function parseBcryptMcf(value: string): BcryptParts | undefined {
  const m = MCF.exec(value);
  if (!m) return undefined;
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) return undefined;
  // bcrypt uses 16 of the salt's 22 characters' bytes and 23 of the digest's 31; the rest are padding bits.
  const salt = bcrypt64ToBase64(m[3] ?? '', 16);
  const hash = bcrypt64ToBase64(m[4] ?? '', 23);
  if (salt === undefined || hash === undefined) return undefined;
  return { variant: m[1] ?? '2b', cost, salt, hash };
}

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
  family: 'wordpress-bcrypt',
  formats: ['wordpress-6.8', 'wordpress-bcrypt'],
  detect: (v) => v.startsWith('$wp$2'),
  parse(value) {
    if (!value.startsWith('$wp$')) return unrecognised(value, 'expected $wp$');
    return bcryptHash(value, value.slice(3), 'wordpress-bcrypt', 'wordpress-6.8');
  },
};

import { unrecognised } from '../describe.ts';
import { fromBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { parseArgon2Phc } from './argon2.ts';
import { bcryptFamily } from './bcrypt.ts';
import { parseCryptString } from './crypt.ts';
import { DIGEST_LENGTH, digestHash, type PlainDigest } from './digest.ts';

const SCHEMES: Record<string, { algorithm: PlainDigest; salted: boolean }> = {
  SHA: { algorithm: 'sha1', salted: false },
  SSHA: { algorithm: 'sha1', salted: true },
  SHA256: { algorithm: 'sha256', salted: false },
  SSHA256: { algorithm: 'sha256', salted: true },
  SHA384: { algorithm: 'sha384', salted: false },
  SSHA384: { algorithm: 'sha384', salted: true },
  SHA512: { algorithm: 'sha512', salted: false },
  SSHA512: { algorithm: 'sha512', salted: true },
  MD5: { algorithm: 'md5', salted: false },
  SMD5: { algorithm: 'md5', salted: true },
};

const LDAP = /^\{([A-Za-z0-9]{3,8})\}(.*)$/s;

function parseLdap(value: string): IdentifyResult {
  const m = LDAP.exec(value);
  if (!m) return unrecognised(value, 'malformed LDAP value');
  const scheme = (m[1] ?? '').toUpperCase();
  const body = m[2] ?? '';
  if (scheme === 'ARGON2') {
    // OpenLDAP's contrib pw-argon2: `{ARGON2}` + the PHC string libargon2 wrote.
    return parseArgon2Phc(body, value, 'ldap-argon2');
  }
  if (scheme === 'CRYPT') {
    // {CRYPT} holds whatever the server's crypt(3) made: DES, $1$, $5$, $6$, $2b$, $y$ (yescrypt).
    if (/^\$2[abxy]?\$/.test(body)) {
      const r = bcryptFamily.parse(body, {}, 'bcrypt');
      return r.ok ? { ok: true, hash: { ...r.hash, format: 'ldap-crypt', encoded: value } } : unrecognised(value, 'malformed {CRYPT} bcrypt');
    }
    return parseCryptString(body, value, 'ldap-crypt');
  }
  const s = SCHEMES[scheme];
  if (!s) return unrecognised(value, 'unsupported LDAP scheme');
  const raw = fromBase64(body);
  if (!raw) return unrecognised(value, 'LDAP value is not base64');
  const n = DIGEST_LENGTH[s.algorithm];
  if (s.salted ? raw.length <= n : raw.length !== n) return unrecognised(value, 'LDAP value length does not fit its scheme');
  // RFC 2307 salted schemes: b64(H(password ‖ salt) ‖ salt).
  return digestHash(value, `ldap-${scheme.toLowerCase()}`, s.algorithm, raw.subarray(0, n), s.salted ? raw.subarray(n) : undefined, s.salted ? { saltPosition: 'suffix' } : {});
}

export const ldapFamily: FormatFamily = {
  family: 'ldap',
  formats: ['ldap'],
  detect: (v) => /^\{(S?SHA(256|384|512)?|S?MD5|CRYPT|ARGON2)\}/i.test(v),
  parse: (value) => parseLdap(value),
};

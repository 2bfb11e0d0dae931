import type { HashHint } from '../../src/hashes/index.ts';

export interface Vector {
  format: string;
  hash: string;
  password: string;
  params?: Record<string, unknown>;
  source: string;
}

/** Formats in the fixture file that issue 5 does not ask for. */
export const SKIPPED_FORMATS: Record<string, string> = {
  totp: 'TOTP secrets, tested in totp.test.ts',
};

const s = (v: unknown): string => String(v);

/** What an operator would put in mapping.password for the vectors that are not self-describing. */
export function hintFor(v: Vector): HashHint {
  const p = v.params ?? {};
  switch (v.format) {
    case 'scrypt-raw':
      return {
        format: `scrypt:N=${s(p.N)},r=${s(p.r)},p=${s(p.p)}`,
        salt: s(p.salt),
        saltEncoding: p.salt_encoding as 'utf8',
        encoding: p.encoding as 'hex',
      };
    case 'firebase-scrypt':
      return {
        format: 'firebase-scrypt',
        salt: s(p.base64_salt),
        firebase: {
          signerKey: s(p.base64_signer_key),
          saltSeparator: s(p.base64_salt_separator),
          rounds: Number(p.rounds),
          memCost: Number(p.mem_cost),
        },
      };
    case 'pbkdf2-raw':
      return {
        format: `pbkdf2-${s(p.digest)}`,
        iterations: Number(p.iterations),
        salt: s(p.salt),
        saltEncoding: p.salt_encoding as 'utf8',
        encoding: p.encoding as 'hex',
      };
    case 'digest': {
      const h: HashHint = { format: s(p.algorithm), encoding: p.encoding as 'hex' };
      if (p.salt !== undefined) {
        h.salt = s(p.salt);
        h.saltEncoding = p.salt_encoding as 'utf8';
        h.saltPosition = p.salt_position as 'prefix';
      }
      return h;
    }
    case 'hmac':
      return {
        format: `hmac-${s(p.algorithm)}`,
        key: s(p.key),
        keyEncoding: p.key_encoding as 'utf8',
        encoding: p.encoding as 'hex',
      };
    case 'kratos-pbkdf2':
      return { dialect: 'kratos' };
    case 'des-crypt':
      return { format: 'des-crypt' };
    default:
      return {};
  }
}

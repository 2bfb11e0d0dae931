import { encodeText, fromBase64, type TextEncoding } from '../../../hashes/encoding.ts';
import type { EncodeResult } from '../../../hashes/types.ts';
import type { PasswordHash } from '../../../model/index.ts';

/*
 * Cloudentity's password hashes on the wire: the `hashed_password` shape the adapter sends, kept
 * out of the adapter so that an emulator or a test can use it without importing the adapter.
 */

/** Cloudentity `Hash` (contracts/cloudentity.md §3.2): `user_credentials[].payload.hashed_password`. */
export interface CloudentityHashedPassword {
  config: CloudentityHashConfig;
  value: string;
}

export type CloudentityHashConfig =
  | { method: 'bcrypt'; bcrypt: { cost: number } }
  | {
      method: 'pbkdf2';
      pbkdf2: { function: string; number_of_iterations: number; key_length: number; salt: string; salt_length: number };
    }
  | {
      method: 'argon2';
      argon2: { iterations: number; memory_in_kb: number; parallelism: number; key_length: number; salt: string; salt_length: number };
    }
  | { method: 'sha'; sha: { function: string; salt: string; salt_length: number; salt_after_digest_in_hash: boolean } }
  | { method: 'md5'; md5: { salt: string; salt_length: number; salt_after_digest_in_hash: boolean } };

/**
 * The contract confirms field names only. Every choice below is an assumption from the one worked
 * example (`sha`, `SHA-256`, value = base64 digest) and is a parameter so a live tenant test can
 * correct it without code changes.
 */
export interface CloudentityEncodeOptions {
  /** `sha.function` spellings. Worked example: `SHA-256`. */
  shaFunctions?: Partial<Record<'sha1' | 'sha256' | 'sha512', string>>;
  /** `pbkdf2.function` spellings [?]; the contract's illustrative config uses `sha256`. */
  pbkdf2Functions?: Partial<Record<'sha1' | 'sha256' | 'sha512', string>>;
  /** Encoding of `salt` fields [?]. Default base64 (binary-safe, like `value`). */
  saltEncoding?: TextEncoding;
  /**
   * How salted sha/md5 are sent [?]: `field` puts the salt in `salt`; `embedded` appends it to the
   * digest inside `value` (SSHA layout) with `salt_after_digest_in_hash: true`. Default field.
   */
  saltMode?: 'field' | 'embedded';
  /** The concatenation order the pool uses for salted sha/md5 [?]. Default suffix (password ‖ salt, as SSHA). */
  saltPosition?: 'prefix' | 'suffix';
  /** Argon2 has no variant field; argon2id is assumed [I]. Set true only if a tenant is shown to take i/d. */
  allowArgon2Variants?: boolean;
}

const DEFAULT_SHA: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' };
const DEFAULT_PBKDF2: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };

/** Encode a parsed hash as Cloudentity `hashed_password`, or say why the target cannot take it. */
export function encodeForCloudentity(hash: PasswordHash, options: CloudentityEncodeOptions = {}): EncodeResult<CloudentityHashedPassword> {
  const saltRaw = hash.salt === undefined ? Buffer.alloc(0) : (fromBase64(hash.salt) ?? Buffer.alloc(0));
  const digest = fromBase64(hash.hash) ?? Buffer.alloc(0);
  const saltText = encodeText(saltRaw, options.saltEncoding ?? 'base64');
  if (saltText === undefined) return { ok: false, reason: 'salt bytes are not representable in the configured salt encoding' };
  switch (hash.algorithm) {
    case 'bcrypt': {
      const mcf = typeof hash.params.mcf === 'string' ? hash.params.mcf : hash.encoded;
      if (hash.params.variant === '2x') return { ok: false, reason: 'bcrypt $2x$ (crypt_blowfish 8-bit bug) cannot be relabelled safely' };
      // Go's bcrypt reads $2a$/$2b$; $2y$ is the same algorithm under PHP's name.
      return { ok: true, value: { config: { method: 'bcrypt', bcrypt: { cost: Number(hash.params.cost) } }, value: mcf.replace(/^\$2y\$/, '$2b$') } };
    }
    case 'pbkdf2-sha1':
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512': {
      const d = hash.algorithm.slice(7) as 'sha1' | 'sha256' | 'sha512';
      const fn = options.pbkdf2Functions?.[d] ?? DEFAULT_PBKDF2[d] ?? d;
      return {
        ok: true,
        value: {
          config: {
            method: 'pbkdf2',
            pbkdf2: {
              function: fn,
              number_of_iterations: Number(hash.params.iterations),
              key_length: digest.length,
              salt: saltText,
              salt_length: saltRaw.length,
            },
          },
          value: digest.toString('base64'),
        },
      };
    }
    case 'argon2id':
    case 'argon2i':
    case 'argon2d': {
      if (hash.algorithm !== 'argon2id' && !options.allowArgon2Variants) {
        return { ok: false, reason: `Cloudentity argon2 has no variant field (argon2id assumed); ${hash.algorithm} cannot be expressed` };
      }
      if (Number(hash.params.version) !== 19) return { ok: false, reason: 'Cloudentity argon2 expects version 1.3 (v=19)' };
      return {
        ok: true,
        value: {
          config: {
            method: 'argon2',
            argon2: {
              iterations: Number(hash.params.t),
              memory_in_kb: Number(hash.params.m),
              parallelism: Number(hash.params.p),
              key_length: digest.length,
              salt: saltText,
              salt_length: saltRaw.length,
            },
          },
          value: digest.toString('base64'),
        },
      };
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return encodeDigest(hash, digest, saltRaw, saltText, options);
    default:
      return { ok: false, reason: `Cloudentity has no hashing method for ${hash.algorithm}` };
  }
}

function encodeDigest(
  hash: PasswordHash,
  digest: Buffer,
  salt: Buffer,
  saltText: string,
  options: CloudentityEncodeOptions,
): EncodeResult<CloudentityHashedPassword> {
  if (hash.params.pattern !== undefined) return { ok: false, reason: 'Cloudentity cannot take a Kratos salt pattern' };
  if (salt.length > 0) {
    const want = options.saltPosition ?? 'suffix';
    if ((hash.params.saltPosition ?? 'prefix') !== want) {
      return { ok: false, reason: `salt ${String(hash.params.saltPosition)} the password; the Cloudentity setting assumes ${want}` };
    }
  }
  const embedded = options.saltMode === 'embedded' && salt.length > 0;
  const value = (embedded ? Buffer.concat([digest, salt]) : digest).toString('base64');
  const saltFields = {
    salt: embedded ? '' : salt.length > 0 ? saltText : '',
    salt_length: salt.length,
    salt_after_digest_in_hash: embedded,
  };
  if (hash.algorithm === 'md5') return { ok: true, value: { config: { method: 'md5', md5: saltFields }, value } };
  const d = hash.algorithm as 'sha1' | 'sha256' | 'sha512';
  const fn = options.shaFunctions?.[d] ?? DEFAULT_SHA[d] ?? d;
  return { ok: true, value: { config: { method: 'sha', sha: { function: fn, ...saltFields } }, value } };
}

import { createCipheriv } from 'node:crypto';
import type { PasswordHash } from '../model/index.ts';
import { md5Crypt } from './crypt-impl.ts';
import { assertWithinLimits, DEFAULT_HASH_LIMITS, type HashLimits } from './limits.ts';
import { cryptEncode64, fromBase64 } from './encoding.ts';
import { verifyBcrypt2x, verifyDesCrypt, verifySpringSha256 } from './verify-legacy.ts';
import { verifyYescrypt } from './yescrypt.ts';
import {
  argon2Verify,
  bcryptVerify,
  constantTimeEqual,
  constantTimeEqualString,
  digest,
  digestAny,
  hmac,
  pbkdf2Derive,
  scryptDerive,
  type DigestName,
} from './primitives.ts';

/** The hash is well-formed but this build cannot check it (e.g. DES crypt). Not a mismatch. */
export class UnsupportedHashError extends Error {
  constructor(algorithm: string) {
    super(`verification of ${algorithm} is not supported`);
    this.name = 'UnsupportedHashError';
  }
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

function str(h: PasswordHash, key: string): string {
  const v = h.params[key];
  return typeof v === 'string' ? v : '';
}

function num(h: PasswordHash, key: string): number {
  const v = Number(h.params[key]);
  return Number.isFinite(v) ? v : 0;
}

function bytes(b64: string | undefined): Buffer {
  return (b64 && fromBase64(b64)) || Buffer.alloc(0);
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

async function verifyBcryptSha256(h: PasswordHash, password: string): Promise<boolean> {
  const mcf = str(h, 'mcf');
  const prehash = str(h, 'prehash');
  let key: string;
  if (prehash === 'sha256-hex') key = digest('sha256', password).toString('hex');
  else if (prehash === 'hmac-sha256-b64') key = hmac('sha256', mcf.slice(7, 29), password).toString('base64');
  else key = digest('sha256', password).toString('base64');
  return bcryptVerify(key, mcf);
}

async function verifyDigest(h: PasswordHash, password: string): Promise<boolean> {
  const salt = bytes(h.salt);
  const pw = Buffer.from(password, 'utf8');
  const pattern = str(h, 'pattern');
  let parts: Buffer[];
  if (pattern) {
    // Kratos patterns interleave {SALT} and {PASSWORD} with literal separators.
    parts = pattern.split(/(\{SALT\}|\{PASSWORD\})/).map((t) => (t === '{SALT}' ? salt : t === '{PASSWORD}' ? pw : Buffer.from(t, 'utf8')));
  } else if (salt.length === 0) parts = [pw];
  else parts = str(h, 'saltPosition') === 'suffix' ? [pw, salt] : [salt, pw];
  let computed = await digestAny(h.algorithm as DigestName | 'md4', ...parts);
  // Spring's MessageDigestPasswordEncoder can iterate: each round digests the previous digest.
  const rounds = num(h, 'iterations');
  for (let i = 1; i < rounds; i++) computed = await digestAny(h.algorithm as DigestName | 'md4', computed);
  return constantTimeEqual(computed, bytes(h.hash));
}

async function verifyFirebase(h: PasswordHash, password: string): Promise<boolean> {
  const memCost = num(h, 'memCost');
  const rounds = num(h, 'rounds');
  const salt = Buffer.concat([bytes(h.salt), bytes(str(h, 'saltSeparator'))]);
  const key = await scryptDerive(password, salt, 2 ** memCost, rounds, 1, 32);
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const out = Buffer.concat([cipher.update(bytes(str(h, 'signerKey'))), cipher.final()]);
  return constantTimeEqual(out, bytes(h.hash));
}

function verifyPhpass(h: PasswordHash, password: string): boolean {
  const mcf = str(h, 'mcf');
  const alg: DigestName = h.algorithm === 'drupal7' ? 'sha512' : 'md5';
  const pw = Buffer.from(str(h, 'prehash') === 'md5-hex' ? digest('md5', password).toString('hex') : password, 'utf8');
  const count = 2 ** num(h, 'log2Rounds');
  let d = digest(alg, mcf.slice(4, 12), pw);
  for (let i = 0; i < count; i++) d = digest(alg, d, pw);
  const full = mcf.slice(0, 12) + cryptEncode64(d, d.length);
  return constantTimeEqualString(full.slice(0, mcf.length), mcf);
}

function verifyMd5Crypt(h: PasswordHash, password: string): boolean {
  const mcf = str(h, 'mcf');
  const apr = h.algorithm === 'apr1-md5-crypt';
  const salt = mcf.split('$')[2] ?? '';
  return constantTimeEqualString(md5Crypt(password, salt, apr ? '$apr1$' : '$1$'), mcf);
}

/**
 * Check a plaintext against a parsed legacy hash. Resolves false on a mismatch; rejects with
 * UnsupportedHashError when the algorithm cannot be checked here, and with HashLimitError, before
 * any work, when a cost parameter is above `limits` (limits.ts). Slow algorithms run on libuv's
 * pool or natively; use the worker pool (worker-pool.ts) for bulk checks.
 */
export async function verify(hash: PasswordHash, password: string, limits: HashLimits = DEFAULT_HASH_LIMITS): Promise<boolean> {
  assertWithinLimits(hash, limits);
  switch (hash.algorithm) {
    case 'bcrypt':
      if (hash.params.variant === '2x') return verifyBcrypt2x(str(hash, 'mcf') || hash.encoded, password);
      return bcryptVerify(password, str(hash, 'mcf') || hash.encoded);
    case 'wordpress-bcrypt':
      return bcryptVerify(hmac('sha384', 'wp-sha384', phpTrim(password)).toString('base64'), str(hash, 'mcf'));
    case 'bcrypt-sha256':
      return verifyBcryptSha256(hash, password);
    case 'argon2id':
    case 'argon2i':
    case 'argon2d':
      return argon2Verify(password, str(hash, 'phc'));
    case 'scrypt': {
      const expected = bytes(hash.hash);
      const got = await scryptDerive(password, bytes(hash.salt), num(hash, 'N'), num(hash, 'r'), num(hash, 'p'), expected.length);
      return constantTimeEqual(got, expected);
    }
    case 'firebase-scrypt':
      return verifyFirebase(hash, password);
    case 'pbkdf2-sha1':
    case 'pbkdf2-sha224':
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha384':
    case 'pbkdf2-sha512':
    case 'pbkdf2-sha3-224':
    case 'pbkdf2-sha3-384': {
      const expected = bytes(hash.hash);
      const alg = hash.algorithm.slice(7) as DigestName;
      const got = await pbkdf2Derive(alg, password, bytes(hash.salt), num(hash, 'iterations'), expected.length);
      return constantTimeEqual(got, expected);
    }
    case 'md4':
    case 'md5':
    case 'sha1':
    case 'sha224':
    case 'sha256':
    case 'sha384':
    case 'sha512':
      return verifyDigest(hash, password);
    case 'hmac-md5':
    case 'hmac-sha1':
    case 'hmac-sha224':
    case 'hmac-sha256':
    case 'hmac-sha384':
    case 'hmac-sha512': {
      const alg = hash.algorithm.slice(5) as DigestName;
      return constantTimeEqual(hmac(alg, bytes(str(hash, 'key')), password), bytes(hash.hash));
    }
    case 'md5-crypt':
    case 'apr1-md5-crypt':
      return verifyMd5Crypt(hash, password);
    case 'sha256-crypt':
    case 'sha512-crypt':
      try {
        return (await loadShaCrypt())(password, str(hash, 'mcf'));
      } catch {
        return false;
      }
    case 'phpass':
    case 'drupal7':
      return verifyPhpass(hash, password);
    case 'des-crypt':
      return verifyDesCrypt(str(hash, 'mcf'), password);
    case 'yescrypt':
      return verifyYescrypt(str(hash, 'mcf'), password);
    case 'spring-sha256':
      return verifySpringSha256(hash, password);
    default:
      throw new UnsupportedHashError(hash.algorithm);
  }
}

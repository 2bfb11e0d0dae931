/**
 * Low-level building blocks shared by the legacy-format verifiers and the emulators' login checks.
 * Everything compares in constant time; nothing here logs its inputs.
 */
import { createHash, createHmac, pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as bcryptVerifyNative } from '@node-rs/bcrypt';
import { verify as argon2VerifyNative } from '@node-rs/argon2';

const pbkdf2Async = promisify(pbkdf2);

export type DigestName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type BinaryEncoding = 'hex' | 'base64' | 'utf8';

export function decode(value: string, encoding: BinaryEncoding): Buffer {
  if (encoding === 'hex') return Buffer.from(value, 'hex');
  if (encoding === 'base64') return Buffer.from(value, 'base64');
  return Buffer.from(value, 'utf8');
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(a, b);
}

export function digest(algorithm: DigestName, ...parts: (string | Uint8Array)[]): Buffer {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function hmac(algorithm: DigestName, key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const h = createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function pbkdf2Derive(
  algorithm: DigestName,
  password: string | Uint8Array,
  salt: string | Uint8Array,
  iterations: number,
  keyLength: number,
): Promise<Buffer> {
  return pbkdf2Async(password, salt, iterations, keyLength, algorithm);
}

/** bcrypt compare; `$2y$`/`$2x$` are normalised to `$2b$`, which verifies identically for valid input. */
export async function bcryptVerify(password: string | Uint8Array, modularCrypt: string): Promise<boolean> {
  const normalised = modularCrypt.replace(/^\$2[xy]\$/, '$2b$');
  try {
    return await bcryptVerifyNative(typeof password === 'string' ? password : Buffer.from(password), normalised);
  } catch {
    return false;
  }
}

/** argon2 (PHC string) compare for argon2id/i/d. */
export async function argon2Verify(password: string | Uint8Array, phc: string): Promise<boolean> {
  try {
    return await argon2VerifyNative(phc, typeof password === 'string' ? password : Buffer.from(password));
  } catch {
    return false;
  }
}

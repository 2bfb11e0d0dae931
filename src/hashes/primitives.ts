/**
 * Low-level building blocks shared by the legacy-format verifiers and the emulators' login checks.
 * Everything compares in constant time; nothing here logs its inputs.
 */
import { createHash, createHmac, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';
import type * as Argon2Module from '@node-rs/argon2';
import type * as BcryptModule from '@node-rs/bcrypt';
import type * as HashWasm from 'hash-wasm';

/*
 * The native and wasm hashers load on first use: every format family carries its verifier
 * (formats/*.ts), so a thread that only identifies hashes (the mapper, the staging thread) imports
 * this module without ever verifying, and should not carry them.
 */
let bcryptModule: Promise<typeof BcryptModule> | undefined;
let argon2Module: Promise<typeof Argon2Module> | undefined;
let hashWasm: Promise<typeof HashWasm> | undefined;

const pbkdf2Async = promisify(pbkdf2);

export type DigestName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha3-224' | 'sha3-384';
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

/**
 * bcrypt compare; `$2a$`/`$2y$` are normalised to `$2b$`, which verifies identically for valid
 * input. `$2x$` (crypt_blowfish's sign-extension bug) differs for bytes ≥ 0x80: verify.ts rebuilds
 * its key (verify-legacy.ts) and passes `$2b$`.
 */
export async function bcryptVerify(password: string | Uint8Array, modularCrypt: string): Promise<boolean> {
  const normalised = modularCrypt.replace(/^\$2[xy]\$/, '$2b$');
  const native = await (bcryptModule ??= import('@node-rs/bcrypt'));
  try {
    return await native.verify(typeof password === 'string' ? password : Buffer.from(password), normalised);
  } catch {
    return false;
  }
}

const PHC_B64_TAIL = /\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** True when the unpadded base64 decodes to bytes that encode back to exactly it (no stray low bits). */
function canonicalB64(s: string): boolean {
  return Buffer.from(s, 'base64').toString('base64').replace(/=+$/, '') === s;
}

/**
 * argon2 (PHC string) compare for argon2id/i/d. libargon2 refuses a salt or hash whose last
 * character carries non-zero unused bits; the Rust implementation underneath would accept it, so
 * that is checked first and such a string never verifies, as at the source.
 */
export async function argon2Verify(password: string | Uint8Array, phc: string): Promise<boolean> {
  const tail = PHC_B64_TAIL.exec(phc);
  if (tail && (!canonicalB64(tail[1] ?? '') || !canonicalB64(tail[2] ?? ''))) return false;
  const native = await (argon2Module ??= import('@node-rs/argon2'));
  try {
    return await native.verify(phc, typeof password === 'string' ? password : Buffer.from(password));
  } catch {
    return false;
  }
}

const scryptAsync = promisify(scrypt) as (
  password: string | Uint8Array,
  salt: string | Uint8Array,
  keylen: number,
  options: ScryptOptions,
) => Promise<Buffer>;

/** scrypt with `maxmem` raised to fit N·r (node's 32 MiB default refuses N ≥ 2^15 at r = 8). */
export function scryptDerive(
  password: string | Uint8Array,
  salt: string | Uint8Array,
  N: number,
  r: number,
  p: number,
  keyLength: number,
): Promise<Buffer> {
  return scryptAsync(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
}

/** Digest including MD4, which OpenSSL 3 (node:crypto) no longer provides. */
export async function digestAny(algorithm: DigestName | 'md4', ...parts: (string | Uint8Array)[]): Promise<Buffer> {
  if (algorithm !== 'md4') return digest(algorithm, ...parts);
  const joined = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
  return Buffer.from(await (await (hashWasm ??= import('hash-wasm'))).md4(joined), 'hex');
}

/** Constant-time string compare (for MCF strings recomputed in full). */
export function constantTimeEqualString(a: string, b: string): boolean {
  return constantTimeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

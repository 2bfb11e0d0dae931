/**
 * Verifiers for legacy algorithms with one quirk each: traditional DES crypt, crypt_blowfish's
 * `$2x$` and Spring Security's StandardPasswordEncoder. Each compares in constant time.
 */
import type { PasswordHash } from '../model/index.ts';
import { fromBase64 } from './encoding.ts';
import { bcryptVerify, constantTimeEqual, constantTimeEqualString, digest } from './primitives.ts';

type DesCrypt = (password: number[], salt: string) => string;
let des: Promise<DesCrypt> | undefined;

/**
 * DES crypt(3): the password's bytes up to the first NUL, 8 of them at most, 7 bits each. The
 * implementation is loaded on first use: a run that never meets a DES hash does not carry it.
 */
export async function verifyDesCrypt(mcf: string, password: string): Promise<boolean> {
  des ??= import('unix-crypt-td-js').then((m) => m.default as DesCrypt);
  const bytes = Array.from(Buffer.from(password, 'utf8'));
  return constantTimeEqualString((await des)(bytes, mcf.slice(0, 2)), mcf);
}

/**
 * crypt_blowfish before 1.1 sign-extended bytes ≥ 0x80 while packing the key into 32-bit words
 * (`$2x$` marks hashes made that way): such a byte set every earlier byte of its word to 0xFF. The
 * buggy words are rebuilt here as a 72-byte key, which a correct bcrypt packs into the same words.
 * For a password of ASCII characters nothing changes, so `$2x$` then equals `$2b$`.
 */
export function bcrypt2xKey(password: string): Buffer {
  const key = Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from([0])]);
  const nul = key.indexOf(0);
  const cstring = key.subarray(0, nul + 1); // crypt_blowfish reads a C string
  const stream = Buffer.alloc(72);
  for (let i = 0; i < 72; i++) stream[i] = cstring[i % cstring.length] ?? 0;
  for (let word = 0; word < 72; word += 4) {
    for (let k = 1; k < 4; k++) {
      if ((stream[word + k] ?? 0) >= 0x80) stream.fill(0xff, word, word + k);
    }
  }
  return stream;
}

export function verifyBcrypt2x(mcf: string, password: string): Promise<boolean> {
  return bcryptVerify(bcrypt2xKey(password), `$2b$${mcf.slice(4)}`);
}

/** Spring Security StandardPasswordEncoder (`{sha256}`): SHA-256 iterated over salt ‖ secret ‖ password. */
export function verifySpringSha256(h: PasswordHash, password: string): boolean {
  const iterations = Number(h.params.iterations);
  const salt = (h.salt && fromBase64(h.salt)) || Buffer.alloc(0);
  let d = digest('sha256', salt, Buffer.from(password, 'utf8'));
  for (let i = 1; i < iterations; i++) d = digest('sha256', d);
  return constantTimeEqual(d, (fromBase64(h.hash) ?? Buffer.alloc(0)));
}

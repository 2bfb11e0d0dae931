import { z } from 'zod';

/**
 * One normalised form for every legacy password format. `encoded` is the string as the legacy
 * system stored it; `algorithm` + `params` + `salt` + `hash` are what `src/hashes` parsed out of it,
 * so targets can re-encode without parsing again.
 */
export const HashAlgorithm = z.enum([
  'bcrypt',
  'bcrypt-sha256',
  'wordpress-bcrypt',
  'argon2id',
  'argon2i',
  'argon2d',
  'scrypt',
  'firebase-scrypt',
  'pbkdf2-sha1',
  'pbkdf2-sha224',
  'pbkdf2-sha256',
  'pbkdf2-sha384',
  'pbkdf2-sha512',
  /** Ory Kratos's `$pbkdf2-sha224$`/`$pbkdf2-sha384$`, which it computes with SHA3. */
  'pbkdf2-sha3-224',
  'pbkdf2-sha3-384',
  'md5',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'md4',
  'hmac-md5',
  'hmac-sha1',
  'hmac-sha224',
  'hmac-sha256',
  'hmac-sha384',
  'hmac-sha512',
  'md5-crypt',
  'apr1-md5-crypt',
  'sha256-crypt',
  'sha512-crypt',
  'des-crypt',
  'yescrypt',
  /** Spring Security StandardPasswordEncoder: SHA-256 iterated over salt ‖ secret ‖ password. */
  'spring-sha256',
  'phpass',
  'drupal7',
]);
export type HashAlgorithm = z.infer<typeof HashAlgorithm>;

/** Where a per-user salt goes relative to the password when a digest is computed. */
export const SaltPosition = z.enum(['prefix', 'suffix']);
export type SaltPosition = z.infer<typeof SaltPosition>;

export const PasswordHash = z.object({
  algorithm: HashAlgorithm,
  /** The legacy format the string was recognised as, e.g. `django-pbkdf2`, `ldap-ssha`. */
  format: z.string().min(1),
  /** Algorithm parameters: cost, iterations, memory, keyLength, saltPosition, digestEncoding, … */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Salt bytes, base64 (std). Absent when the algorithm embeds no separate salt. */
  salt: z.string().optional(),
  /** Digest bytes, base64 (std). For modular-crypt formats the digest part only. */
  hash: z.string(),
  /** The stored value exactly as the legacy system had it. */
  encoded: z.string().min(1),
});
export type PasswordHash = z.infer<typeof PasswordHash>;

/** A user who has no password we can carry over and must set one at first login. */
export const MustReset = z.object({ mustReset: z.literal(true) });
export type MustReset = z.infer<typeof MustReset>;

export const UserPassword = z.union([PasswordHash, MustReset]);
export type UserPassword = z.infer<typeof UserPassword>;

export function isPasswordHash(p: UserPassword | undefined): p is PasswordHash {
  return p !== undefined && 'algorithm' in p;
}

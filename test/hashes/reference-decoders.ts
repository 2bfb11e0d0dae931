/**
 * Independent readers of the target payloads, written from the contracts and the assumptions
 * documented in src/targets/cloudentity/wire/hash.ts, so round-trip tests check encode → (target) → login.
 */
import { createHash, pbkdf2Sync } from 'node:crypto';
import { hashRawSync, type Algorithm } from '@node-rs/argon2';
import { verifySync } from '@node-rs/bcrypt';
import type { CloudentityHashedPassword } from '../../src/targets/cloudentity/wire/hash.ts';

const SHA: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

/** Cloudentity login under the documented defaults (values/salts base64, password ‖ salt). */
export function cloudentityLogin(h: CloudentityHashedPassword, password: string): boolean {
  const value = Buffer.from(h.value, 'base64');
  const c = h.config;
  switch (c.method) {
    case 'bcrypt':
      return verifySync(password, h.value);
    case 'pbkdf2': {
      const dk = pbkdf2Sync(password, Buffer.from(c.pbkdf2.salt, 'base64'), c.pbkdf2.number_of_iterations, c.pbkdf2.key_length, c.pbkdf2.function);
      return dk.equals(value);
    }
    case 'argon2': {
      const raw = hashRawSync(password, {
        algorithm: 2 as Algorithm, // Argon2id (ambient const enum, not importable as a value)
        salt: Buffer.from(c.argon2.salt, 'base64'),
        memoryCost: c.argon2.memory_in_kb,
        timeCost: c.argon2.iterations,
        parallelism: c.argon2.parallelism,
        outputLen: c.argon2.key_length,
      });
      return raw.equals(value);
    }
    case 'sha':
    case 'md5': {
      const cfg = c.method === 'sha' ? c.sha : c.md5;
      const alg = c.method === 'sha' ? (SHA[c.sha.function] ?? '') : 'md5';
      const n = createHash(alg).digest().length;
      const salt = cfg.salt_after_digest_in_hash ? value.subarray(n) : Buffer.from(cfg.salt, 'base64');
      return createHash(alg).update(password).update(salt).digest().equals(value.subarray(0, n));
    }
  }
}

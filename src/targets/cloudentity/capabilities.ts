import type { CloudentityTargetConfig } from './config.ts';
import type { TargetCapabilities } from '../target.ts';

/** "≤ 100 users per batch" (SecureAuth migration guide, contracts/cloudentity.md §3.1). */
export const CLOUDENTITY_MAX_BATCH = 100;

/** Canonical algorithms with a HashConfig method (bcrypt, pbkdf2, argon2, sha, md5). */
export const CLOUDENTITY_HASH_FAMILIES: readonly string[] = [
  'bcrypt',
  'argon2id',
  'argon2i',
  'argon2d',
  'pbkdf2-sha1',
  'pbkdf2-sha256',
  'pbkdf2-sha512',
  'sha1',
  'sha256',
  'sha512',
  'md5',
];

export function cloudentityCapabilities(
  config: Pick<CloudentityTargetConfig, 'batchSize' | 'hashAlgorithms' | 'totp'>,
): TargetCapabilities {
  return {
    maxBatch: CLOUDENTITY_MAX_BATCH,
    defaultBatch: Math.min(config.batchSize, CLOUDENTITY_MAX_BATCH),
    hashAlgorithms: new Set(config.hashAlgorithms ?? CLOUDENTITY_HASH_FAMILIES),
    totpImport: config.totp === 'credential',
    // 204 or one error for the whole request: the adapter bisects refused batches itself.
    perUserResults: false,
  };
}

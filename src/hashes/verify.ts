import type { PasswordHash } from '../model/index.ts';
import { assertWithinLimits, DEFAULT_HASH_LIMITS, type HashLimits } from './limits.ts';
import { verifierFor } from './registry.ts';
import { UnsupportedHashError } from './types.ts';

export { UnsupportedHashError } from './types.ts';

/**
 * Check a plaintext against a parsed legacy hash. Resolves false on a mismatch; rejects with
 * UnsupportedHashError when the algorithm cannot be checked here, and with HashLimitError, before
 * any work, when a cost parameter is above `limits` (limits.ts). Each format family verifies the
 * algorithms it defines (formats/*.ts). Slow algorithms run on libuv's pool or natively; use the
 * worker pool (worker-pool.ts) for bulk checks.
 */
export async function verify(hash: PasswordHash, password: string, limits: HashLimits = DEFAULT_HASH_LIMITS): Promise<boolean> {
  assertWithinLimits(hash, limits);
  const check = verifierFor(hash.algorithm);
  if (check === undefined) throw new UnsupportedHashError(hash.algorithm);
  return check(hash, password);
}

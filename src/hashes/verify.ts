import type { PasswordHash } from '../model/index.ts';
import { bcryptVerify } from './primitives.ts';

/** Check a plaintext against a parsed legacy hash. */
export async function verify(hash: PasswordHash, password: string): Promise<boolean> {
  switch (hash.algorithm) {
    case 'bcrypt':
      return bcryptVerify(password, hash.encoded);
    default:
      throw new Error(`verification of ${hash.algorithm} is not supported yet`);
  }
}

import { isPasswordHash, type PasswordHash, type UserPassword } from '../model/index.ts';
import type { EncodeResult } from './types.ts';

/** What to do with a hash the target cannot take natively (config `unsupportedHash`). */
export type PasswordPolicy = 'reject' | 'reset' | 'verifier';

/**
 * How a target takes password hashes, declared in the target's own folder (nothing here names a
 * target). `native` puts a hash in the shape the target verifies itself, or says why it cannot;
 * `verifier` does the same for the target's callback to a password verifier (`ciam-migrate
 * verifier`), or is the reason the target has none.
 */
export interface HashAcceptance<Native, Verifier = never> {
  native(hash: PasswordHash): EncodeResult<Native>;
  verifier: ((hash: PasswordHash) => Verifier) | string;
}

export type PasswordPlan<Native = unknown, Verifier = unknown> =
  | { action: 'import'; value: Native }
  | { action: 'verifier'; value: Verifier; reason: string }
  | { action: 'reset'; reason: string }
  | { action: 'reject'; reason: string };

export type PasswordAction = PasswordPlan['action'];

/**
 * Decide how one user's password reaches the target: imported natively, checked by a verifier at
 * first login, reset, or the user is rejected. The policy applies only to hashes the target cannot
 * take natively. Never drops a hash silently: every non-import carries its reason.
 */
export function planPassword<Native, Verifier>(
  password: UserPassword | undefined,
  accepts: HashAcceptance<Native, Verifier>,
  policy: PasswordPolicy,
): PasswordPlan<Native, Verifier> {
  if (password === undefined || !isPasswordHash(password)) return { action: 'reset', reason: 'no password to carry over' };
  const native = accepts.native(password);
  if (native.ok) return { action: 'import', value: native.value };
  const { reason } = native;
  if (policy === 'reset') return { action: 'reset', reason };
  if (policy === 'verifier') {
    if (typeof accepts.verifier === 'string') return { action: 'reject', reason: `${reason}; ${accepts.verifier}` };
    return { action: 'verifier', value: accepts.verifier(password), reason };
  }
  return { action: 'reject', reason };
}

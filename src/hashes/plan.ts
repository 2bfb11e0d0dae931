import { isPasswordHash, type UserPassword } from '../model/index.ts';
import {
  cidaasVerifierInfo,
  encodeForCidaas,
  type CidaasEncodeOptions,
  type CidaasPasswordHashInfo,
} from './encode-cidaas.ts';
import { encodeForCloudentity, type CloudentityEncodeOptions, type CloudentityHashedPassword } from './encode-cloudentity.ts';

/** What to do with a hash the target cannot take natively (config `unsupportedHash`). */
export type PasswordPolicy = 'reject' | 'reset' | 'verifier';

/** What a target can take, as far as password hashes go. */
export type TargetHashCapability =
  | {
      target: 'cidaas';
      algorithmTypeIds: Record<string, string>;
      options?: CidaasEncodeOptions;
      /** CUSTOM_* id wired to `ciam-migrate verifier`; needed for the `verifier` policy. */
      verifierAlgorithmTypeId?: string;
    }
  | {
      target: 'cloudentity';
      options?: CloudentityEncodeOptions;
      /** Pool methods to use (bcrypt, pbkdf2, argon2, sha, md5); all when absent. */
      methods?: ReadonlySet<string>;
    };

export type PasswordPlan =
  | { action: 'import'; target: 'cidaas'; info: CidaasPasswordHashInfo }
  | { action: 'import'; target: 'cloudentity'; hashedPassword: CloudentityHashedPassword }
  | { action: 'verifier'; target: 'cidaas'; info: CidaasPasswordHashInfo; reason: string }
  | { action: 'reset'; reason: string }
  | { action: 'reject'; reason: string };

export type PasswordAction = PasswordPlan['action'];

/**
 * Decide how one user's password reaches the target: imported natively, checked by our verifier at
 * first login (cidaas CUSTOM_*), reset, or the user is rejected. Never drops a hash silently: every
 * non-import carries its reason.
 */
export function planPassword(
  password: UserPassword | undefined,
  capability: TargetHashCapability,
  policy: PasswordPolicy,
): PasswordPlan {
  if (password === undefined || !isPasswordHash(password)) return { action: 'reset', reason: 'no password to carry over' };
  let reason: string;
  if (capability.target === 'cidaas') {
    const r = encodeForCidaas(password, capability.algorithmTypeIds, capability.options);
    if (r.ok) return { action: 'import', target: 'cidaas', info: r.value };
    reason = r.reason;
  } else {
    const r = encodeForCloudentity(password, capability.options);
    if (r.ok && (!capability.methods || capability.methods.has(r.value.config.method))) {
      return { action: 'import', target: 'cloudentity', hashedPassword: r.value };
    }
    reason = r.ok ? `the Cloudentity pool is not configured for method ${r.value.config.method}` : r.reason;
  }
  if (policy === 'reset') return { action: 'reset', reason };
  if (policy === 'verifier') {
    if (capability.target !== 'cidaas') {
      return { action: 'reject', reason: `${reason}; Cloudentity has no password verifier callback (use policy reset)` };
    }
    if (!capability.verifierAlgorithmTypeId) return { action: 'reject', reason: `${reason}; no verifierAlgorithmTypeId configured` };
    return { action: 'verifier', target: 'cidaas', info: cidaasVerifierInfo(password, capability.verifierAlgorithmTypeId), reason };
  }
  return { action: 'reject', reason };
}

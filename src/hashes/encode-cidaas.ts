import type { PasswordHash } from '../model/index.ts';

/** cidaas `password_hash_info` (contracts/cidaas.md §3.3). */
export interface CidaasPasswordHashInfo {
  algorithmTypeId: string;
  passwordHash: string;
  hData?: Record<string, string>;
}

export type EncodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * `algorithmTypeIds` maps a canonical algorithm to the tenant's algorithmTypeId; `{cost}` is
 * replaced by the bcrypt cost. Ids are tenant configuration, so nothing here hard-codes them.
 */
export function encodeForCidaas(
  hash: PasswordHash,
  algorithmTypeIds: Record<string, string>,
): EncodeResult<CidaasPasswordHashInfo> {
  const template = algorithmTypeIds[hash.algorithm];
  if (template === undefined) {
    return { ok: false, reason: `cidaas tenant has no algorithmTypeId configured for ${hash.algorithm}` };
  }
  if (hash.algorithm === 'bcrypt') {
    return {
      ok: true,
      value: {
        algorithmTypeId: template.replace('{cost}', String(hash.params.cost)),
        passwordHash: hash.encoded.replace(/^\$2[xy]?\$/, '$2b$'),
      },
    };
  }
  return { ok: false, reason: `cidaas encoding of ${hash.algorithm} is not supported yet` };
}

import type { CidaasTargetConfig } from './config.ts';
import type { TargetCapabilities } from '../target.ts';

/** Hard limit of `POST /users-srv/user/bulk` (413 above it; contracts/cidaas.md §0). */
export const CIDAAS_MAX_BATCH = 1000;

export function cidaasCapabilities(
  config: Pick<CidaasTargetConfig, 'batchSize' | 'hashAlgorithms'>,
): TargetCapabilities {
  return {
    maxBatch: CIDAAS_MAX_BATCH,
    defaultBatch: Math.min(config.batchSize, CIDAAS_MAX_BATCH),
    // Tenant-specific: only what the tenant has an algorithmTypeId for.
    hashAlgorithms: new Set(Object.keys(config.hashAlgorithms)),
    // The bulk entity has only `mfa_enabled`; there is no documented way to import a TOTP secret.
    totpImport: false,
    perUserResults: true,
  };
}

import { z } from 'zod';

const Http = {
  baseUrl: z.url().describe('e.g. https://acme.cidaas.eu'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).describe('use ${ENV_VAR}; never commit it'),
  /** PEM file with an extra CA to trust (TLS verification itself is always on). */
  caFile: z.string().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
};

/** What to do with a user whose hash the target cannot take. */
export const UnsupportedHashPolicy = z.enum(['reject', 'reset', 'verifier']);

export const CidaasTarget = z
  .object({
    kind: z.literal('cidaas'),
    ...Http,
    batchSize: z.number().int().min(1).max(1000).default(50),
    /** canonical algorithm → cidaas algorithmTypeId; `{cost}` is replaced by the bcrypt cost. */
    hashAlgorithms: z.record(z.string(), z.string()).default({ bcrypt: 'BCRYPT_{cost}' }),
    unsupportedHash: UnsupportedHashPolicy.default('reject'),
    /** algorithmTypeId of the CUSTOM_* algorithm pointing at `ciam-migrate verifier` (policy `verifier`). */
    verifierAlgorithmTypeId: z.string().default('CUSTOM_CIAM_MIGRATE'),
    provider: z.string().default('self'),
    deletes: z.enum(['purge', 'schedule']).default('purge'),
  })
  .strict();

export const CloudentityTarget = z
  .object({
    kind: z.literal('cloudentity'),
    ...Http,
    tenantId: z.string().min(1),
    poolId: z.string().min(1),
    /** `/api/identity/{tid}` (current spec) or `/api/identity/system/{tid}` (docs). */
    pathPrefix: z.string().default('/api/identity/{tid}'),
    batchSize: z.number().int().min(1).max(100).default(100),
    /** UUID namespace for deterministic record ids; fixed per migration so re-imports update. */
    namespace: z.uuid(),
    unsupportedHash: UnsupportedHashPolicy.default('reject'),
    payloadSchemaId: z.string().optional(),
    metadataSchemaId: z.string().optional(),
    resetExpiresAt: z.string().default('1970-01-01T00:00:00Z'),
  })
  .strict();

export const TargetConfig = z.discriminatedUnion('kind', [CidaasTarget, CloudentityTarget]);
export type TargetConfig = z.infer<typeof TargetConfig>;
export type CidaasTargetConfig = z.infer<typeof CidaasTarget>;
export type CloudentityTargetConfig = z.infer<typeof CloudentityTarget>;

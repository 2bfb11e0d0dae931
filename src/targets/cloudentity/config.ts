import { z } from 'zod';
import { Http, secureBaseUrl, UnsupportedHashPolicy } from '../common/config.ts';

export const CloudentityTarget = z
  .object({
    kind: z.literal('cloudentity'),
    ...Http,
    tenantId: z.string().min(1),
    poolId: z.string().min(1),
    /** `/api/identity/{tid}` (current spec) or `/api/identity/system/{tid}` (docs). */
    pathPrefix: z.string().default('/api/identity/{tid}'),
    /**
     * The import's `mode` for records that exist already: `update` (overwrite; what re-runs and
     * deltas need), `ignore` (keep the stored ones: a delta would change nothing), `fail` (409 on the
     * first one), or `omit` to leave the parameter out (the current spec's PUT has none and updates).
     */
    importMode: z.enum(['update', 'ignore', 'fail', 'omit']).default('update'),
    /** Prefix of the per-user System APIs (event sync); only the current spec's form is published. */
    systemApiPrefix: z.string().default('/api/identity/{tid}'),
    batchSize: z.number().int().min(1).max(100).default(100),
    /** UUID namespace for deterministic record ids; fixed per migration so re-imports update. */
    namespace: z.uuid(),
    unsupportedHash: UnsupportedHashPolicy.default('reject'),
    payloadSchemaId: z.string().optional(),
    metadataSchemaId: z.string().optional(),
    resetExpiresAt: z.string().default('1970-01-01T00:00:00Z'),
    /**
     * Canonical algorithms this tenant takes; unset means every family the Cloudentity encoder
     * supports (bcrypt, pbkdf2, argon2, sha, md5). Narrow it when a pool refuses some.
     */
    hashAlgorithms: z.array(z.string().min(1)).optional(),
    /**
     * How hashes are spelled for this tenant where the vendor spec is silent (sha/pbkdf2 function
     * names, salt encoding and placement); see `CloudentityEncodeOptions` in src/targets/cloudentity/wire/hash.ts.
     */
    hashEncoding: z
      .object({
        shaFunctions: z
          .object({ sha1: z.string(), sha256: z.string(), sha512: z.string() })
          .partial()
          .optional(),
        pbkdf2Functions: z
          .object({ sha1: z.string(), sha256: z.string(), sha512: z.string() })
          .partial()
          .optional(),
        saltEncoding: z.enum(['utf8', 'hex', 'base64']).optional(),
        saltMode: z.enum(['field', 'embedded']).optional(),
        saltPosition: z.enum(['prefix', 'suffix']).optional(),
        allowArgon2Variants: z.boolean().optional(),
      })
      .strict()
      .default({}),
    /** Where custom `attributes` go: the user payload (pool schema must allow them) or admin metadata. */
    attributesIn: z.enum(['payload', 'metadata']).default('payload'),
    /**
     * TOTP secrets: `skip` (users re-enrol), or `credential` (a `totp` user_credentials record; its
     * payload shape is not published, so only use it after checking with the vendor).
     */
    totp: z.enum(['skip', 'credential']).default('skip'),
  })
  .strict()
  .refine(secureBaseUrl.check, secureBaseUrl.message)
  .refine((c) => c.unsupportedHash !== 'verifier', {
    message: 'Cloudentity has no pluggable password verifier: use unsupportedHash reject or reset',
    path: ['unsupportedHash'],
  });

export type CloudentityTargetConfig = z.infer<typeof CloudentityTarget>;

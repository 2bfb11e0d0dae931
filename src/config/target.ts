import { z } from 'zod';

const Http = {
  baseUrl: z.url().describe('e.g. https://acme.cidaas.eu'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).describe('use ${ENV_VAR}; never commit it'),
  /** PEM file with an extra CA to trust (TLS verification itself is always on). */
  caFile: z.string().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Token endpoint below baseUrl; the default is the vendor's (`{tid}` is replaced by the tenant id). */
  tokenPath: z.string().startsWith('/').optional(),
  /** Scopes to request explicitly; empty means whatever the client is granted by default. */
  scopes: z.array(z.string().min(1)).default([]),
  /** `post`: client_id/secret in the form body (both vendors' examples); `basic`: Authorization header. */
  tokenAuth: z.enum(['post', 'basic']).default('post'),
  /** Keep-alive connections to the target; the adaptive limiter decides how many are used. */
  connections: z.number().int().min(1).max(256).default(16),
  keepAliveMs: z.number().int().positive().default(30_000),
  /**
   * Allow a plain `http://` baseUrl to a host other than this machine (the client secret, tokens
   * and every hash would cross the network in clear text). Off: only loopback may be plain HTTP.
   */
  allowInsecureHttp: z.boolean().default(false),
};

/** 127.0.0.0/8, ::1 and localhost: plain HTTP there never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

const secureBaseUrl = {
  check: (c: { baseUrl: string; allowInsecureHttp: boolean }): boolean => {
    const url = new URL(c.baseUrl);
    return url.protocol !== 'http:' || c.allowInsecureHttp || isLoopbackHost(url.hostname);
  },
  message: {
    message: 'plain http:// to a host other than this machine would send the client secret, tokens and password hashes in clear text: use https://, or set allowInsecureHttp: true (e.g. an emulator on a private network)',
    path: ['baseUrl'],
  },
};

/** What to do with a user whose hash the target cannot take. */
export const UnsupportedHashPolicy = z.enum(['reject', 'reset', 'verifier']);

const CidaasStatus = z.enum(['VERIFIED', 'PENDING', 'DELETED', 'DECLINED', 'LOCKED', 'COMBINED']);

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
    /** Tenant algorithm settings the docs leave open (salt position and encodings); see `CidaasEncodeOptions`. */
    hashEncoding: z
      .object({
        saltPosition: z.enum(['prefix', 'suffix']).optional(),
        saltEncoding: z.enum(['utf8', 'hex', 'base64']).optional(),
        digestEncoding: z.enum(['hex', 'base64']).optional(),
      })
      .strict()
      .default({}),
    provider: z.string().default('self'),
    deletes: z.enum(['purge', 'schedule']).default('purge'),
    /** cidaas `sub`: the legacy id as it is (recommended by cidaas), or a UUIDv5 of it under `namespace`. */
    sub: z.enum(['sourceId', 'uuidv5']).default('sourceId'),
    namespace: z.uuid().optional(),
    /** canonical status → cidaas userStatus. Only VERIFIED users can log in. */
    statusMap: z
      .object({ active: CidaasStatus, disabled: CidaasStatus, pending: CidaasStatus, deleted: CidaasStatus })
      .default({ active: 'VERIFIED', disabled: 'DECLINED', pending: 'PENDING', deleted: 'DELETED' }),
    /**
     * cidaas has no standard field for a display name: name it a custom field (it must exist and be
     * enabled in Field Settings) to carry `name.display`; unset means it is not sent.
     */
    displayNameField: z.string().min(1).optional(),
    /**
     * The bulk upsert keeps fields a re-import leaves out, so a field the source dropped is sent
     * unassigned: as `null` or as `""` (the PUT user API documents both; the bulk API neither).
     */
    clearFieldsWith: z.enum(['null', 'empty']).default('null'),
    /**
     * A social login the source dropped: `unlink` it (reads the user, then
     * `POST /users-srv/user/unlink/{identityId}`; needs cidaas:users_read and cidaas:users_write), or
     * `reject`: the user is updated and reported as a reject naming the login still linked.
     */
    removedIdentities: z.enum(['unlink', 'reject']).default('unlink'),
    /**
     * SCIM 2.0 base below baseUrl, for `verify`'s listing of the tenant's users. Discovery advertises
     * `/users-srv/scim/v2`; newer docs name `/user-scim-srv/v2`: unconfirmed, so configurable.
     */
    scimPath: z.string().startsWith('/').default('/users-srv/scim/v2'),
  })
  .strict()
  .refine(secureBaseUrl.check, secureBaseUrl.message)
  .refine((c) => c.sub !== 'uuidv5' || c.namespace !== undefined, {
    message: 'sub: uuidv5 needs a namespace (a UUID fixed for this migration)',
    path: ['namespace'],
  });

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

export const TargetConfig = z.discriminatedUnion('kind', [CidaasTarget, CloudentityTarget]);
export type TargetConfig = z.infer<typeof TargetConfig>;
export type CidaasTargetConfig = z.infer<typeof CidaasTarget>;
export type CloudentityTargetConfig = z.infer<typeof CloudentityTarget>;

import { z } from 'zod';
import { Http, secureBaseUrl, UnsupportedHashPolicy } from '../common/config.ts';

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

export type CidaasTargetConfig = z.infer<typeof CidaasTarget>;

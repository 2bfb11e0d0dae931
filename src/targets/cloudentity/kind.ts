import type { TargetKind } from '../kind.ts';
import { withRedactedReasons } from '../common/redacting-target.ts';
import { CloudentityAdapter } from './adapter.ts';
import { CloudentityTarget, type CloudentityTargetConfig } from './config.ts';
import { encodeForCloudentity } from './wire/hash.ts';

export const cloudentityKind = {
  kind: 'cloudentity',
  schema: CloudentityTarget,
  // The secret is redacted from every reason: vendors echo requests (common/redacting-target.ts).
  create: (config) => withRedactedReasons(new CloudentityAdapter(config), [config.clientSecret]),
  example: `target:
  kind: cloudentity
  baseUrl: https://acme.eu.authz.cloudentity.io
  tenantId: acme
  poolId: \${CLOUDENTITY_POOL_ID}
  clientId: \${CLOUDENTITY_CLIENT_ID}       # System workspace client with manage_configuration and identity
  clientSecret: \${CLOUDENTITY_CLIENT_SECRET}
  pathPrefix: /api/identity/{tid}          # or /api/identity/system/{tid}
  batchSize: 100                           # Cloudentity takes at most 100 users per import
  namespace: 6f1d3a52-9c1b-4f9e-8a43-3e1f0b7c2d10   # fixed per migration: record ids derive from it
  unsupportedHash: reject`,
  convert: {
    field: 'hashed_password',
    options: [],
    encode: (hash) => encodeForCloudentity(hash),
  },
  // Several tenants and pools share one baseUrl: a verification is resumed only in the same pool.
  verifyScope: (config) => `${config.tenantId}/${config.poolId}`,
} as const satisfies TargetKind<'cloudentity', CloudentityTargetConfig, typeof CloudentityTarget>;

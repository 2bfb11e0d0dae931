import type { TargetKind } from '../kind.ts';
import { withRedactedReasons } from '../common/redacting-target.ts';
import { CidaasAdapter } from './adapter.ts';
import { CidaasTarget, type CidaasTargetConfig } from './config.ts';
import { DEFAULT_CIDAAS_ALGORITHM_IDS, encodeForCidaas } from './wire/hash.ts';

/** `--cidaas-id argon2id=ARGON2ID`: tenant algorithmTypeIds on top of the documented defaults. */
function algorithmIds(values: unknown): Record<string, string> {
  const map: Record<string, string> = { ...DEFAULT_CIDAAS_ALGORITHM_IDS };
  for (const v of Array.isArray(values) ? (values as string[]) : []) {
    const i = v.indexOf('=');
    if (i > 0) map[v.slice(0, i)] = v.slice(i + 1);
  }
  return map;
}

export const cidaasKind = {
  kind: 'cidaas',
  schema: CidaasTarget,
  // The secret is redacted from every reason: vendors echo requests (common/redacting-target.ts).
  create: (config) => withRedactedReasons(new CidaasAdapter(config), [config.clientSecret]),
  example: `target:
  kind: cidaas
  baseUrl: https://acme.cidaas.eu          # your cidaas domain
  clientId: \${CIDAAS_CLIENT_ID}            # a NON_INTERACTIVE app with scope cidaas:bulk_user_create
  clientSecret: \${CIDAAS_CLIENT_SECRET}    # secrets come from the environment, never from this file
  batchSize: 50                            # users per bulk call (cidaas accepts up to 1000)
  hashAlgorithms:                          # canonical algorithm -> your tenant's algorithmTypeId
    bcrypt: BCRYPT_{cost}
  unsupportedHash: reject                  # reject | reset (user must set a new password) | verifier
  deletes: purge                           # purge | schedule (grace period)`,
  convert: {
    field: 'password_hash_info',
    options: [
      {
        flags: '--cidaas-id <algorithm=id...>',
        description: 'cidaas algorithmTypeId per canonical algorithm, e.g. argon2id=ARGON2ID (adds to the documented defaults)',
      },
    ],
    encode: (hash, options) => encodeForCidaas(hash, algorithmIds(options.cidaasId)),
  },
  // One cidaas tenant per baseUrl.
  verifyScope: () => '',
} as const satisfies TargetKind<'cidaas', CidaasTargetConfig, typeof CidaasTarget>;

/** The commented starting point `ciam-migrate init` writes. Every key here is in docs/config.md. */
export function exampleConfig(target: 'cidaas' | 'cloudentity' = 'cidaas'): string {
  const targetBlock =
    target === 'cidaas'
      ? `target:
  kind: cidaas
  baseUrl: https://acme.cidaas.eu          # your cidaas domain
  clientId: \${CIDAAS_CLIENT_ID}            # a NON_INTERACTIVE app with scope cidaas:bulk_user_create
  clientSecret: \${CIDAAS_CLIENT_SECRET}    # secrets come from the environment, never from this file
  batchSize: 50                            # users per bulk call (cidaas accepts up to 1000)
  hashAlgorithms:                          # canonical algorithm -> your tenant's algorithmTypeId
    bcrypt: BCRYPT_{cost}
  unsupportedHash: reject                  # reject | reset (user must set a new password) | verifier
  deletes: purge                           # purge | schedule (grace period)`
      : `target:
  kind: cloudentity
  baseUrl: https://acme.eu.authz.cloudentity.io
  tenantId: acme
  poolId: \${CLOUDENTITY_POOL_ID}
  clientId: \${CLOUDENTITY_CLIENT_ID}       # System workspace client with manage_configuration and identity
  clientSecret: \${CLOUDENTITY_CLIENT_SECRET}
  pathPrefix: /api/identity/{tid}          # or /api/identity/system/{tid}
  batchSize: 100                           # Cloudentity takes at most 100 users per import
  namespace: 6f1d3a52-9c1b-4f9e-8a43-3e1f0b7c2d10   # fixed per migration: record ids derive from it
  unsupportedHash: reject`;
  return `# ciam-migrate migration config. Reference: docs/config.md
version: 1
name: acme-users                           # names this migration and its ledger

source:
  kind: csv
  path: ./users.csv                        # relative paths resolve against this file
  delimiter: ","
  encoding: utf8

mapping:
  fields:                                  # canonical field: column (or {from, transform, default})
    sourceId: id                           # the immutable legacy id: users are matched on it, never on email
    email: { from: email, transform: [trim, lowercase] }
    emailVerified: { from: email_verified, transform: boolean }
    phone: { from: phone, transform: e164, defaultRegion: DE }
    name.given: first_name
    name.family: last_name
    locale: locale
    createdAt: { from: created_at, transform: datetime }
  attributes:                              # custom fields (must exist in the target)
    customer_no: customer_no
  password:
    from: password_hash                    # empty -> the user must reset the password
    format: auto                           # bcrypt, argon2, pbkdf2, ... are recognised; bare digests need a format

${targetBlock}

ledger:
  kind: sqlite
  path: ./.ciam-migrate/acme-users.sqlite  # the migration's memory: keep it until go-live

run:
  concurrency: 8                           # upper bound; adaptive concurrency backs off on 429/503
  maxAttempts: 10
`;
}

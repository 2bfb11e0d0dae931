import { targetKind, targetKinds, type TargetKindName } from '../targets/registry.ts';

/** The commented starting point `ciam-migrate init` writes. Every key here is in docs/config.md. */
export function exampleConfig(target: TargetKindName = targetKinds[0].kind): string {
  const targetBlock = targetKind(target).example;
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

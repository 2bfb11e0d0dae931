import { z } from 'zod';

const path = z.string().min(1);

export const CsvSource = z
  .object({
    kind: z.literal('csv'),
    path,
    delimiter: z.string().min(1).default(','),
    quote: z.string().length(1).default('"'),
    /** Without a byte order mark; a UTF-8, UTF-16LE or UTF-16BE mark in the file wins. */
    encoding: z.enum(['utf8', 'utf-8', 'latin1', 'utf16le', 'utf-16le', 'utf16be', 'utf-16be']).default('utf8'),
    /** Column names when the file has no header row. */
    columns: z.array(z.string().min(1)).optional(),
    /** Longest field accepted, in characters; a longer one rejects that row only. */
    maxFieldLength: z.number().int().positive().default(1_000_000),
    /** A quoted field running over more lines than this is taken as a stray, unclosed quote. */
    maxRecordLines: z.number().int().positive().default(100),
  })
  .strict();

export const JsonArraySource = z
  .object({
    kind: z.literal('json'),
    path,
    /** Dotted key of the array inside the document (e.g. `users`); the document itself when absent. */
    pick: z.string().min(1).optional(),
  })
  .strict();

export const NdjsonSource = z
  .object({
    kind: z.literal('ndjson'),
    path,
    /** Longest line accepted; a longer one rejects that line only. */
    maxLineLength: z.number().int().positive().default(10_000_000),
  })
  .strict();

export const Auth0Source = z
  .object({
    kind: z.literal('auth0'),
    /** The user export job's file (`json` = NDJSON, or `csv`; gzipped or not), or a bulk-import JSON array. */
    path,
    format: z.enum(['ndjson', 'json', 'csv']).optional().describe('taken from the file when absent'),
    /** The password-hash export from Auth0 support (NDJSON, `_id.$oid` + `passwordHash`), joined on the user id. */
    passwordHashes: path.optional(),
    maxLineLength: z.number().int().positive().default(10_000_000),
  })
  .strict();

export const KeycloakSource = z
  .object({
    kind: z.literal('keycloak'),
    /**
     * `kc.sh export` output: the `--dir` folder, a `--file` (one realm, or a list of realms), or
     * one `<realm>-users-<n>.json` file.
     */
    path,
    /** The realm to migrate when the export holds several (without it, such an export is refused, listing them). */
    realm: z.string().min(1).optional(),
  })
  .strict();

export const FirebaseHashConfig = z
  .object({
    /** `base64_signer_key` from the console's password hash parameters. */
    signerKey: z.string().min(1),
    saltSeparator: z.string().default('Bw=='),
    rounds: z.number().int().min(1).max(8),
    memCost: z.number().int().min(1).max(14),
  })
  .strict();

export const FirebaseSource = z
  .object({
    kind: z.literal('firebase'),
    /** `firebase auth:export users.json|users.csv --format=json|csv`. */
    path,
    format: z.enum(['json', 'csv']).optional().describe('taken from the file extension when absent'),
    hash: FirebaseHashConfig.optional(),
  })
  .strict();

export const CognitoSource = z
  .object({
    kind: z.literal('cognito'),
    /** The user CSV (the `cognito-idp` CSV header layout, or a `list-users` dump converted to CSV). */
    path,
  })
  .strict();

export const CloudentitySource = z
  .object({
    kind: z.literal('cloudentity'),
    /** A TenantDump (`GET …/configuration`). */
    path,
    /** Only users of this identity pool. */
    poolId: z.string().min(1).optional(),
  })
  .strict();

export const KratosSource = z
  .object({
    kind: z.literal('kratos'),
    /** Ory Kratos identities: an import file (one identity or a list), a batch body, a listing, or JSON lines. */
    path,
    maxLineLength: z.number().int().positive().default(10_000_000),
  })
  .strict();

export const DjangoSource = z
  .object({
    kind: z.literal('django'),
    /** `manage.py dumpdata auth.user auth.group` output (json or jsonl). */
    path,
    /** The user model's label, e.g. `accounts.user` for a custom user model. */
    model: z.string().min(1).default('auth.user'),
    maxLineLength: z.number().int().positive().default(10_000_000),
  })
  .strict();

export const LdifSource = z
  .object({
    kind: z.literal('ldif'),
    /** An LDIF file (slapcat, ldapsearch -LLL, a directory export). */
    path,
    /** Entries with one of these objectClasses are users; the others (ou, groups) are passed over. */
    objectClasses: z
      .array(z.string().min(1))
      .min(1)
      .default(['inetOrgPerson', 'person', 'organizationalPerson', 'posixAccount', 'account', 'user']),
    maxLineLength: z.number().int().positive().default(10_000_000),
  })
  .strict();

export const SqlSource = z
  .object({
    kind: z.literal('sql'),
    driver: z.enum(['postgres', 'mysql']),
    /** Connection URL; put the password in `${ENV_VAR}`. */
    url: z.string().min(1),
    /** Any SELECT. With `updatedAt`, it is wrapped so only rows changed after the cursor come back. */
    query: z.string().min(1),
    /** Column holding the last-change time (or a monotonic number): makes a delta incremental. */
    updatedAt: z.string().min(1).optional(),
    /** Column used to name a row in reasons, e.g. `id`. */
    key: z.string().min(1).optional(),
    /** Rows fetched per round trip. */
    batchSize: z.number().int().positive().max(100_000).default(1000),
    /** Only rows with `updatedAt` after this (ISO date-time or number); a cursor passed to `read()` wins. */
    since: z.union([z.string(), z.number()]).optional(),
  })
  .strict();

export const LdapSource = z
  .object({
    kind: z.literal('ldap'),
    url: z.string().min(1).describe('ldap:// or ldaps://'),
    bindDN: z.string().optional(),
    /** Use `${ENV_VAR}`. */
    bindPassword: z.string().optional(),
    baseDN: z.string().min(1),
    filter: z.string().default('(objectClass=inetOrgPerson)'),
    scope: z.enum(['base', 'one', 'sub']).default('sub'),
    /** Attributes to read; all user attributes when absent. */
    attributes: z.array(z.string().min(1)).optional(),
    pageSize: z.number().int().positive().max(10_000).default(500),
    /** Attributes whose values are binary (returned as base64 unless they hold a `{SCHEME}` password). */
    binaryAttributes: z.array(z.string().min(1)).default(['userPassword', 'jpegPhoto', 'userCertificate']),
    timeoutMs: z.number().int().positive().default(30_000),
    tlsInsecure: z.boolean().default(false).describe('accept any certificate (tests only)'),
  })
  .strict();

export const SourceConfig = z.discriminatedUnion('kind', [
  CsvSource,
  JsonArraySource,
  NdjsonSource,
  Auth0Source,
  KeycloakSource,
  FirebaseSource,
  CognitoSource,
  CloudentitySource,
  KratosSource,
  DjangoSource,
  LdifSource,
  SqlSource,
  LdapSource,
]);
export type SourceConfig = z.infer<typeof SourceConfig>;
export type CsvSourceConfig = z.infer<typeof CsvSource>;
export type JsonSourceConfig = z.infer<typeof JsonArraySource> | z.infer<typeof NdjsonSource>;
export type Auth0SourceConfig = z.infer<typeof Auth0Source>;
export type KeycloakSourceConfig = z.infer<typeof KeycloakSource>;
export type FirebaseSourceConfig = z.infer<typeof FirebaseSource>;
export type CognitoSourceConfig = z.infer<typeof CognitoSource>;
export type CloudentitySourceConfig = z.infer<typeof CloudentitySource>;
export type SqlSourceConfig = z.infer<typeof SqlSource>;
export type KratosSourceConfig = z.infer<typeof KratosSource>;
export type DjangoSourceConfig = z.infer<typeof DjangoSource>;
export type LdifSourceConfig = z.infer<typeof LdifSource>;
export type LdapSourceConfig = z.infer<typeof LdapSource>;

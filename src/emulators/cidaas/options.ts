import type { BinaryEncoding, DigestName } from '../../hashes/primitives.ts';
import { DEFAULT_FAULTS, type CommonEmulatorOptions, type FaultOptions } from '../shared/types.ts';
import type { CustomVerifierOptions } from './custom-verifier.ts';

export const CIDAAS_SCOPES = [
  'cidaas:bulk_user_create',
  'cidaas:users_read',
  'cidaas:users_write',
  'cidaas:users_delete',
  'cidaas:users_search',
  'cidaas:users_invite',
  'cidaas:register',
  'cidaas:userupdate',
  'cidaas:userinfo',
  'cidaas:field_setup_read',
] as const;

export interface CidaasClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Only a migrationMode client may overwrite the password of a user that already has one. */
  migrationMode?: boolean;
}

/** `username` fields count as a user identifier (contract §3.2 validation rules). */
export type CustomFieldType = 'string' | 'number' | 'boolean' | 'date' | 'array' | 'object' | 'username';

export interface CustomFieldSpec {
  type: CustomFieldType;
  /** Disabled fields are skipped on bulk import and refused on PUT. Default true. */
  enabled?: boolean;
  /**
   * The field setup's `dataType` as the field API shows it; by default the one of `type` (string
   * TEXT, username USERNAME, number NUMBER, boolean CHECKBOX, date DATE, array ARRAY, object JSON_STRING).
   */
  dataType?: string;
}

/** What cidaas support configures on a hashing algorithm (not settable through the API). */
export interface CidaasAlgorithmConfig {
  systemSalt?: string;
  /** Concatenation order for SHA*: default ['systemsalt', 'password', 'usersalt']; empty parts are left out. */
  pepperOrder?: Array<'systemsalt' | 'password' | 'usersalt'>;
  pepperDelimiter?: string;
  /** PBKDF2 digest when the algorithmTypeId does not name one. Default sha256. */
  digest?: DigestName;
  /** Encoding of `passwordHash` for SHA/HMAC/PBKDF2. Default hex. */
  hashEncoding?: BinaryEncoding;
  /** Encoding of `hData.salt`. Default utf8 (the salt string's bytes). */
  saltEncoding?: BinaryEncoding;
}

export interface CidaasEmulatorOptions extends CommonEmulatorOptions {
  clients: CidaasClient[];
  tokenTtlSeconds: number;
  /** Documented hard limit per bulk request (413 above). */
  maxBatch: number;
  /** The older docs' limit of 50 per request; overrides maxBatch when true. */
  strict50: boolean;
  /** [?] `standard` = {success,status,data:{process_states}}; `top-level` = {process_states}. */
  envelope: 'standard' | 'top-level';
  /** [?] Name of the per-user state field in process_states. */
  stateField: string;
  /** [?] Invalid or disposable email: FAILED state inside a 200 (`per-user`) or a whole-request 417 (`request`). */
  invalidEmailMode: 'per-user' | 'request';
  /** A user without identifier: whole-request 400 (documented) or a FAILED state. */
  missingIdentifierMode: 'request' | 'per-user';
  disposableDomains: string[];
  /** Field setup: custom fields that exist on the tenant. */
  customFields: Record<string, CustomFieldSpec>;
  /** [?] Second password write without migrationMode: FAILED, or UPDATED keeping the old password. */
  passwordOverwriteWithoutMigrationMode: 'fail' | 'keep-old';
  /**
   * [?] A bulk re-import of an existing user: `merge` (fields left out are kept, as "add or update"
   * suggests) or `replace` (the user becomes what was sent; identities left out are gone).
   */
  bulkReimport: 'merge' | 'replace';
  /**
   * [?] Which values unassign a field in a bulk re-import (the PUT API documents `""` and `null`):
   * `null-or-empty`, or `empty` (then `null` is ignored and the field keeps its value).
   */
  bulkUnassign: 'null-or-empty' | 'empty';
  /** Instance setting `delete_unregistered_users_after_seconds`. */
  deletionGraceSeconds: number;
  /** Per algorithmTypeId configuration; the key `*` applies to all others. */
  algorithms: Record<string, CidaasAlgorithmConfig>;
  /** Verifier service for CUSTOM_* algorithmTypeIds and how to call it (custom-verifier.ts); none: CUSTOM_* logins are "unsupported algorithm". */
  customVerifier: CustomVerifierOptions | undefined;
  /** [?] Most users per SCIM list page (`count` above it is capped, RFC 7644 §3.4.2.4). */
  scimMaxCount: number;
}

export type CidaasEmulatorInput = Partial<Omit<CidaasEmulatorOptions, 'faults' | 'customVerifier'>> & {
  faults?: Partial<FaultOptions>;
  customVerifier?: Partial<CustomVerifierOptions>;
  /** Shorthands: the verifier's URL, and a static bearer token for it. */
  customVerifierUrl?: string | undefined;
  customVerifierToken?: string | undefined;
};

function resolveCustomVerifier(input: CidaasEmulatorInput): CustomVerifierOptions | undefined {
  const c = input.customVerifier ?? {};
  const url = c.url ?? input.customVerifierUrl;
  if (url === undefined) return undefined;
  const token = c.token ?? input.customVerifierToken;
  const auth = c.auth ?? (token !== undefined ? 'bearer' : c.clientId !== undefined ? 'client-credentials' : 'none');
  return { url, auth, clientId: c.clientId, clientSecret: c.clientSecret, tokenUrl: c.tokenUrl, token, action: c.action ?? 'query', timeoutMs: c.timeoutMs ?? 10_000 };
}

export const DEFAULT_DISPOSABLE_DOMAINS = [
  'mailinator.com',
  'yopmail.com',
  'guerrillamail.com',
  'sharklasers.com',
  '10minutemail.com',
  'trashmail.com',
  'tempmail.com',
  'temp-mail.org',
  'dispostable.com',
  'maildrop.cc',
  'getnada.com',
  'throwawaymail.com',
];

export function defaultCidaasClient(): CidaasClient {
  return { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: [...CIDAAS_SCOPES], migrationMode: true };
}

export function resolveCidaasOptions(input: CidaasEmulatorInput = {}): CidaasEmulatorOptions {
  return {
    host: input.host ?? '127.0.0.1',
    port: input.port ?? 0,
    record: input.record,
    maxBodyBytes: input.maxBodyBytes ?? 64 * 1024 * 1024,
    clock: input.clock ?? Date.now,
    faults: { ...DEFAULT_FAULTS, ...input.faults },
    clients: input.clients ?? [defaultCidaasClient()],
    tokenTtlSeconds: input.tokenTtlSeconds ?? 86_400,
    maxBatch: input.maxBatch ?? 1000,
    strict50: input.strict50 ?? false,
    envelope: input.envelope ?? 'standard',
    stateField: input.stateField ?? 'state',
    invalidEmailMode: input.invalidEmailMode ?? 'per-user',
    missingIdentifierMode: input.missingIdentifierMode ?? 'request',
    disposableDomains: input.disposableDomains ?? DEFAULT_DISPOSABLE_DOMAINS,
    customFields: input.customFields ?? {},
    passwordOverwriteWithoutMigrationMode: input.passwordOverwriteWithoutMigrationMode ?? 'fail',
    bulkReimport: input.bulkReimport ?? 'merge',
    bulkUnassign: input.bulkUnassign ?? 'null-or-empty',
    deletionGraceSeconds: input.deletionGraceSeconds ?? 172_800,
    algorithms: input.algorithms ?? {},
    customVerifier: resolveCustomVerifier(input),
    scimMaxCount: input.scimMaxCount ?? 100,
  };
}

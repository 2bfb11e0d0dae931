import type { CloudentityTargetConfig } from './config.ts';
import { randomBytes } from 'node:crypto';
import { planPassword as planHash, type HashAcceptance } from '../../hashes/plan.ts';
import { cloudentityTotp } from './totp.ts';
import { isPasswordHash } from '../../model/index.ts';
import type { User, UserStatus } from '../../model/index.ts';
import { recordIds } from './ids.ts';
import type {
  CeAddress,
  CeCredential,
  CeEncoder,
  CeHash,
  CeIdentifier,
  CeUser,
  TenantDump,
  UserEntry,
} from './types.ts';

export type CePayloadConfig = Pick<
  CloudentityTargetConfig,
  | 'tenantId'
  | 'poolId'
  | 'namespace'
  | 'unsupportedHash'
  | 'payloadSchemaId'
  | 'metadataSchemaId'
  | 'resetExpiresAt'
  | 'hashAlgorithms'
  | 'attributesIn'
  | 'totp'
>;

export interface BuildContext {
  config: CePayloadConfig;
  encode: CeEncoder;
  /** Stands in for timestamps the legacy system did not have; the spec requires them. */
  now: () => string;
}

export type PasswordPlan = 'hash' | 'reset' | 'unsupported_reset';

/** What the pool takes: the hashes its methods verify (narrowed by `hashAlgorithms`); it has no verifier callback. */
const ACCEPTANCE = new WeakMap<BuildContext, HashAcceptance<CeHash>>();

function acceptanceOf(ctx: BuildContext): HashAcceptance<CeHash> {
  let a = ACCEPTANCE.get(ctx);
  if (a === undefined) {
    const allowed = ctx.config.hashAlgorithms;
    a = {
      native: (hash) =>
        allowed === undefined || allowed.includes(hash.algorithm)
          ? ctx.encode(hash)
          : { ok: false, reason: `the Cloudentity pool is configured not to take ${hash.algorithm} hashes` },
      verifier: 'Cloudentity has no password verifier callback (use policy reset)',
    };
    ACCEPTANCE.set(ctx, a);
  }
  return a;
}

export type EntryResult =
  { ok: true; entry: UserEntry; password: PasswordPlan } | { ok: false; reason: string; code: string };

const STATUS: Record<UserStatus, CeUser['status']> = {
  active: 'active',
  disabled: 'inactive',
  pending: 'new',
  deleted: 'deleted',
};

export function ceStatus(status: UserStatus): CeUser['status'] {
  return STATUS[status];
}

/** The profile as the pool's payload schema sees it (OIDC standard claim names). */
export function cePayload(
  user: User,
  config: Pick<CePayloadConfig, 'attributesIn'>,
): Record<string, unknown> {
  // Built field by field: a spread followed by a compaction cost more than the rest of the entry.
  const out: Record<string, unknown> = config.attributesIn === 'payload' ? { ...user.attributes } : {};
  put(out, 'email', user.email);
  put(out, 'email_verified', user.email !== undefined ? (user.emailVerified ?? false) : undefined);
  put(out, 'phone_number', user.phone);
  put(out, 'phone_number_verified', user.phone !== undefined ? (user.phoneVerified ?? false) : undefined);
  put(out, 'preferred_username', user.username);
  const name = user.name;
  put(out, 'given_name', name?.given);
  put(out, 'family_name', name?.family);
  put(out, 'middle_name', name?.middle);
  put(out, 'nickname', name?.nickname);
  put(out, 'name', name?.display);
  put(out, 'locale', user.locale);
  put(out, 'zoneinfo', user.zoneinfo);
  put(out, 'birthdate', user.birthdate);
  put(out, 'gender', user.gender);
  put(out, 'picture', user.picture);
  const a = user.address;
  put(
    out,
    'address',
    a
      ? compact({
          formatted: a.formatted,
          street_address: a.street,
          locality: a.locality,
          region: a.region,
          postal_code: a.postalCode,
          country: a.country,
        })
      : undefined,
  );
  return out;
}

/**
 * A claim the user has wins over an attribute of the same name, and an attribute of the name of a
 * claim the user lacks is left out, as a claim's absence is.
 */
function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) o[key] = value;
  else if (Object.hasOwn(o, key)) delete o[key];
}

/** Admin-only data: what the pool schema has no place for but the migration must not lose. */
export function ceMetadata(
  user: User,
  config: Pick<CePayloadConfig, 'attributesIn'>,
): Record<string, unknown> {
  return compact({
    ...(config.attributesIn === 'metadata' ? user.attributes : {}),
    legacy_id: user.sourceId,
    groups: user.groups.length > 0 ? user.groups : undefined,
    roles: user.roles.length > 0 ? user.roles : undefined,
    last_login_at: user.lastLoginAt,
    mfa:
      user.mfa.length > 0
        ? user.mfa.map((m) => (m.type === 'totp' ? { type: 'totp' } : { type: m.type, value: m.value }))
        : undefined,
  });
}

export function buildUserEntry(user: User, ctx: BuildContext): EntryResult {
  const { config } = ctx;
  const ids = recordIds(user.sourceId, config.namespace);
  const created = user.createdAt ?? ctx.now();
  const updated = user.updatedAt ?? created;
  const base = { tenant_id: config.tenantId, user_pool_id: config.poolId };
  const owned = { ...base, user_id: ids.user };

  const ceUser: CeUser = {
    id: ids.user,
    ...base,
    status: STATUS[user.status],
    status_updated_at: updated,
    payload: cePayload(user, config),
    metadata: ceMetadata(user, config),
    ...(config.payloadSchemaId ? { payload_schema_id: config.payloadSchemaId } : {}),
    ...(config.metadataSchemaId ? { metadata_schema_id: config.metadataSchemaId } : {}),
    created_at: created,
    updated_at: updated,
  };

  // Password: a hash the pool verifies, or an expired credential so that login asks for a reset.
  const password: CeCredential = {
    id: ids.credential('password'),
    ...owned,
    type: 'password',
    payload: {},
    created_at: created,
    updated_at: updated,
  };
  let plan: PasswordPlan;
  const p = user.password;
  if (isPasswordHash(p)) {
    // The policy (reject | reset) is the shared one of src/hashes; what the pool takes is Cloudentity's.
    const decided = planHash(p, acceptanceOf(ctx), config.unsupportedHash);
    if (decided.action === 'import') {
      password.payload = { hashed_password: decided.value };
      plan = 'hash';
    } else if (decided.action === 'reset') {
      password.payload = { hashed_password: unusableHash() };
      password.expires_at = config.resetExpiresAt;
      plan = 'unsupported_reset';
    } else {
      return { ok: false, reason: decided.reason, code: 'unsupported_hash' };
    }
  } else {
    password.payload = { hashed_password: unusableHash() };
    password.expires_at = config.resetExpiresAt;
    plan = 'reset';
  }
  const credentials: CeCredential[] = [password];
  // One TOTP secret per user; factors Cloudentity cannot represent (non SHA1/6/30) are left to re-enrol.
  for (const m of user.mfa) {
    if (m.type !== 'totp') continue;
    const mapped = cloudentityTotp(m, config.totp);
    if (mapped.lost) continue;
    credentials.push({
      id: ids.credential('totp'),
      ...owned,
      type: 'totp',
      payload: { totp_secret: mapped.totpSecret },
      created_at: created,
      updated_at: updated,
    });
    break;
  }

  const identifier = (
    type: CeIdentifier['type'],
    value: string,
    key = '',
    metadata?: Record<string, unknown>,
  ): CeIdentifier => ({
    id: ids.identifier(type, key),
    ...owned,
    type,
    identifier: value,
    identifier_lc: value.toLowerCase(),
    ...(metadata ? { metadata } : {}),
    created_at: created,
    updated_at: updated,
  });
  const identifiers: CeIdentifier[] = [];
  if (user.email !== undefined) identifiers.push(identifier('email', user.email));
  if (user.phone !== undefined) identifiers.push(identifier('mobile', user.phone));
  if (user.username !== undefined) identifiers.push(identifier('uid', user.username));
  for (const i of user.identities) {
    identifiers.push(
      identifier('federated', `${i.provider}:${i.providerUserId}`, i.provider, {
        provider: i.provider,
        provider_user_id: i.providerUserId,
      }),
    );
  }

  const address = (type: CeAddress['type'], value: string, verified: boolean): CeAddress => ({
    id: ids.address(type),
    ...owned,
    type,
    address: value,
    address_lc: value.toLowerCase(),
    status: 'active',
    verified,
    // The legacy system rarely knows when; the account's last change is the best bound we have.
    ...(verified ? { verified_at: updated } : {}),
    ...(type === 'mobile' ? { preferred_contact_method: 'sms' as const } : {}),
    created_at: created,
    updated_at: updated,
  });
  const addresses: CeAddress[] = [];
  if (user.email !== undefined) addresses.push(address('email', user.email, user.emailVerified ?? false));
  if (user.phone !== undefined) addresses.push(address('mobile', user.phone, user.phoneVerified ?? false));

  return {
    ok: true,
    entry: { sourceId: user.sourceId, user: ceUser, credentials, identifiers, addresses },
    password: plan,
  };
}

/**
 * A password credential must carry a hash, and the user must still be made to reset: a SHA-256
 * "digest" of 32 random bytes has no known preimage, so nothing can log in with it, and the past
 * `expires_at` sends the user through the reset flow.
 */
function unusableHash(): CeHash {
  return {
    config: {
      method: 'sha',
      sha: { function: 'SHA-256', salt: '', salt_length: 0, salt_after_digest_in_hash: false },
    },
    value: randomBytes(32).toString('base64'),
  };
}

export function tenantDump(entries: UserEntry[]): TenantDump {
  return {
    users: entries.map((e) => e.user),
    user_credentials: entries.flatMap((e) => e.credentials),
    user_identifiers: entries.flatMap((e) => e.identifiers),
    user_verifiable_addresses: entries.flatMap((e) => e.addresses),
  };
}

/** One user's records as JSON, so that import bodies are assembled without serialising again. */
export interface EncodedEntry {
  user: string;
  /** Each of these holds the user's records of that kind, comma-separated; '' when it has none. */
  credentials: string;
  identifiers: string;
  addresses: string;
}

export function encodeEntry(entry: UserEntry): EncodedEntry {
  const list = (records: readonly object[]) => records.map((r) => JSON.stringify(r)).join(',');
  return { user: JSON.stringify(entry.user), credentials: list(entry.credentials), identifiers: list(entry.identifiers), addresses: list(entry.addresses) };
}

/** The text of `JSON.stringify(tenantDump(entries))`, from the entries as `encodeEntry` gave them. */
export function tenantDumpText(entries: readonly EncodedEntry[]): string {
  const join = (kind: keyof EncodedEntry) =>
    entries
      .map((e) => e[kind])
      .filter((records) => records !== '')
      .join(',');
  return `{"users":[${join('user')}],"user_credentials":[${join('credentials')}],"user_identifiers":[${join('identifiers')}],"user_verifiable_addresses":[${join('addresses')}]}`;
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

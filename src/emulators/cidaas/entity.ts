import { passwordOf, type CheckedEntity } from './check.ts';
import { providerOf } from './identifier-index.ts';
import { customFieldProblem, type EntityRules } from './rules.ts';
import type { CidaasUserStatus, StoredPassword } from './store.ts';

/** An identity as sent; `identityId` is assigned when it is stored. */
export type ParsedIdentity = Record<string, unknown> & { provider: string };

/** Identity-level keys of the flat `userEntityBasic` form (contract §3.2). */
const IDENTITY_KEYS: ReadonlySet<string> = new Set([
  'identityId', 'username', 'email', 'email_verified', 'mobile_number', 'mobile_number_verified', 'mobile_number_obj',
  'phone_number_obj', 'phone_number', 'given_name', 'family_name', 'middle_name', 'nickname', 'gender', 'birthdate',
  'locale', 'zoneinfo', 'profile', 'picture', 'website', 'address', 'street_address', 'provider', 'providerUserId',
  'identityCustomFields',
]);

/** A checked entity split into what is stored: account, identities, custom fields and password. */
export interface ParsedEntity {
  sub: string | undefined;
  userStatus: CidaasUserStatus;
  /** A re-import without userStatus keeps the stored one. */
  userStatusGiven: boolean;
  account: Record<string, unknown>;
  identities: ParsedIdentity[];
  customFields: Record<string, unknown>;
  password: StoredPassword | undefined;
  /** For the process state, taken from the first identity. */
  identifier: Record<string, string>;
}

/** Keys that are neither identity nor account fields of the entity. */
function entityLevel(k: string): boolean {
  return k === 'sub' || k === 'userStatus' || k === 'customFields' || k === 'identities' || k === 'password' || k === 'password_hash_info';
}

function withProvider(identity: Record<string, unknown>): ParsedIdentity {
  identity['provider'] = providerOf(identity);
  return identity as ParsedIdentity;
}

/** One element of `identities[]`: everything but the password and the sub. */
function toIdentity(raw: Record<string, unknown>): ParsedIdentity {
  const identity: Record<string, unknown> = {};
  for (const k in raw) {
    if (k !== 'password' && k !== 'password_hash_info' && k !== 'sub') identity[k] = raw[k];
  }
  return withProvider(identity);
}

/** Builds the stored parts of a checked entity; the raw entity itself is left as it is. */
export function buildEntity(checked: CheckedEntity, rules: EntityRules): ParsedEntity {
  const { raw } = checked;
  const account: Record<string, unknown> = {};
  let identities: ParsedIdentity[];
  if (checked.flat) {
    const identity: Record<string, unknown> = {};
    for (const k in raw) {
      if (entityLevel(k)) continue;
      if (IDENTITY_KEYS.has(k)) identity[k] = raw[k];
      else account[k] = raw[k];
    }
    identities = [withProvider(identity)];
  } else {
    for (const k in raw) if (!entityLevel(k)) account[k] = raw[k];
    identities = (raw['identities'] as Record<string, unknown>[]).map(toIdentity);
  }
  const customFields: Record<string, unknown> = {};
  customFieldProblem(raw['customFields'], rules.customFields, customFields);
  const password = passwordOf(raw, rules);
  return {
    sub: checked.sub,
    userStatus: (raw['userStatus'] ?? 'VERIFIED') as CidaasUserStatus,
    userStatusGiven: raw['userStatus'] !== undefined,
    account,
    identities,
    customFields,
    password: typeof password === 'string' ? undefined : password,
    identifier: checked.identifier,
  };
}

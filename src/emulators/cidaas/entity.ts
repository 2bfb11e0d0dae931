import type { CidaasPasswordHashInfo } from '../../hashes/encode-cidaas.ts';
import { isObject } from '../shared/body.ts';
import type { CustomFieldSpec } from './options.ts';
import { USER_STATUSES, type CidaasUserStatus, type StoredPassword } from './store.ts';

/** An identity as sent; `identityId` is assigned when it is stored. */
export type ParsedIdentity = Record<string, unknown> & { provider: string };

/** Identity-level keys of the flat `userEntityBasic` form (contract §3.2). */
const IDENTITY_KEYS: ReadonlySet<string> = new Set([
  'identityId', 'username', 'email', 'email_verified', 'mobile_number', 'mobile_number_verified', 'mobile_number_obj',
  'phone_number_obj', 'phone_number', 'given_name', 'family_name', 'middle_name', 'nickname', 'gender', 'birthdate',
  'locale', 'zoneinfo', 'profile', 'picture', 'website', 'address', 'street_address', 'provider', 'providerUserId',
  'identityCustomFields',
]);
const IDENTIFIER_FIELDS = ['email', 'mobile_number', 'username'] as const;

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

export type EntityProblem = { kind: 'no-identifier' | 'invalid-email' | 'invalid'; message: string };
export type EntityResult = { ok: true; entity: ParsedEntity } | { ok: false; problem: EntityProblem; identifier: Record<string, string> };

export interface EntityRules {
  disposableDomains: ReadonlySet<string>;
  customFields: Record<string, CustomFieldSpec>;
  knownAlgorithm(algorithmTypeId: string): boolean;
}

// Deliberately simple: cidaas' exact rule is unknown, this rejects what no mail server accepts.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

export function emailProblem(email: string, disposable: ReadonlySet<string>): string | undefined {
  if (!EMAIL.test(email)) return 'invalid email passed';
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  let d = domain;
  for (;;) {
    if (disposable.has(d)) return 'invalid email passed';
    const dot = d.indexOf('.');
    if (dot < 0) return undefined;
    d = d.slice(dot + 1);
  }
}

function identifierOf(identity: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of IDENTIFIER_FIELDS) {
    const v = identity[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

function hasIdentifier(identity: Record<string, unknown>): boolean {
  for (const k of IDENTIFIER_FIELDS) {
    const v = identity[k];
    if (typeof v === 'string' && v !== '') return true;
  }
  return false;
}

function parsePassword(raw: Record<string, unknown>, rules: EntityRules): StoredPassword | string | undefined {
  const info = raw['password_hash_info'];
  if (info !== undefined && info !== null) {
    if (!isObject(info)) return 'invalid password_hash_info';
    const { algorithmTypeId, passwordHash, hData } = info;
    if (typeof algorithmTypeId !== 'string' || typeof passwordHash !== 'string' || passwordHash === '') {
      return 'invalid password_hash_info';
    }
    if (!rules.knownAlgorithm(algorithmTypeId)) return `invalid algorithmTypeId ${algorithmTypeId}`;
    const parsed: CidaasPasswordHashInfo = { algorithmTypeId, passwordHash };
    if (hData !== undefined && hData !== null) {
      if (!isObject(hData) || !Object.values(hData).every((v) => typeof v === 'string')) return 'invalid hData';
      parsed.hData = hData as Record<string, string>;
    }
    return { kind: 'hash', info: parsed };
  }
  const plain = raw['password'];
  if (plain !== undefined && plain !== null) {
    if (typeof plain !== 'string' || plain === '') return 'invalid password';
    return { kind: 'plain', value: plain };
  }
  return undefined;
}

function customFieldProblem(fields: unknown, setup: Record<string, CustomFieldSpec>, out: Record<string, unknown>): string | undefined {
  if (fields === undefined || fields === null) return undefined;
  if (!isObject(fields)) return 'invalid customFields';
  for (const key in fields) {
    const value = fields[key];
    const spec = setup[key];
    if (spec === undefined) return `custom field ${key} does not exist`;
    if (spec.enabled === false) continue;
    if (value !== null && !matchesType(value, spec.type)) return `invalid value for custom field ${key}`;
    out[key] = value;
  }
  return undefined;
}

export function matchesType(value: unknown, type: CustomFieldSpec['type']): boolean {
  switch (type) {
    case 'string':
    case 'username':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
  }
}

/** Keys that are neither identity nor account fields of the entity. */
function entityLevel(k: string): boolean {
  return k === 'sub' || k === 'userStatus' || k === 'customFields' || k === 'identities' || k === 'password' || k === 'password_hash_info';
}

function withProvider(identity: Record<string, unknown>): ParsedIdentity {
  const provider = identity['provider'];
  identity['provider'] = typeof provider === 'string' && provider !== '' ? provider : 'self';
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

type Split = { identities: ParsedIdentity[]; account: Record<string, unknown> } | undefined;

/** Account-level fields and identities, in one pass over the keys (this runs for every imported user). */
function split(raw: Record<string, unknown>): Split {
  const account: Record<string, unknown> = {};
  const list = raw['identities'];
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0 || !list.every(isObject)) return undefined;
    for (const k in raw) if (!entityLevel(k)) account[k] = raw[k];
    return { identities: (list as Record<string, unknown>[]).map(toIdentity), account };
  }
  // The flat `userEntityBasic` form mixes one identity's fields into the account.
  const identity: Record<string, unknown> = {};
  for (const k in raw) {
    if (entityLevel(k)) continue;
    if (IDENTITY_KEYS.has(k)) identity[k] = raw[k];
    else account[k] = raw[k];
  }
  return { identities: [withProvider(identity)], account };
}

function usernameFieldSet(customFields: Record<string, unknown>, setup: Record<string, CustomFieldSpec>): boolean {
  for (const k in customFields) {
    const v = customFields[k];
    if (setup[k]?.type === 'username' && typeof v === 'string' && v !== '') return true;
  }
  return false;
}

/** Splits one bulk entity (flat or with identities[]) into account, identities and password, and validates it. */
export function parseEntity(raw: unknown, rules: EntityRules): EntityResult {
  if (!isObject(raw)) return { ok: false, problem: { kind: 'invalid', message: 'user entity must be an object' }, identifier: {} };
  const parts = split(raw);
  if (parts === undefined) {
    return { ok: false, problem: { kind: 'invalid', message: 'identities must be a non-empty array' }, identifier: {} };
  }
  const { identities, account } = parts;
  const identifier = identifierOf(identities[0] as ParsedIdentity);
  const fail = (kind: EntityProblem['kind'], message: string): EntityResult => ({ ok: false, problem: { kind, message }, identifier });

  const sub = raw['sub'];
  if (sub !== undefined && (typeof sub !== 'string' || sub === '' || sub === 'ANONYMOUS')) return fail('invalid', 'invalid sub');
  const status = raw['userStatus'] ?? 'VERIFIED';
  if (typeof status !== 'string' || !USER_STATUSES.has(status)) return fail('invalid', 'invalid userStatus');

  const customFields: Record<string, unknown> = {};
  const fieldProblem = customFieldProblem(raw['customFields'], rules.customFields, customFields);
  if (fieldProblem !== undefined) return fail('invalid', fieldProblem);

  for (const identity of identities) {
    if (!hasIdentifier(identity) && !usernameFieldSet(customFields, rules.customFields)) return fail('no-identifier', 'user identifier is required');
    const email = identity['email'];
    if (email !== undefined && email !== null) {
      if (typeof email !== 'string') return fail('invalid-email', 'invalid email passed');
      const problem = emailProblem(email, rules.disposableDomains);
      if (problem !== undefined) return fail('invalid-email', problem);
    }
    const mobile = identity['mobile_number'];
    if (mobile !== undefined && mobile !== null && (typeof mobile !== 'string' || !E164.test(mobile))) {
      return fail('invalid', 'invalid mobile number passed');
    }
  }

  // The multi-identity example carries password_hash_info at account level; the flat form mixes both.
  let password = parsePassword(raw, rules);
  if (password === undefined && raw['identities'] !== undefined) {
    const selfIdentity = (raw['identities'] as Record<string, unknown>[]).find((i) => (i['provider'] ?? 'self') === 'self');
    if (selfIdentity !== undefined) password = parsePassword(selfIdentity, rules);
  }
  if (typeof password === 'string') return fail('invalid', password);

  return {
    ok: true,
    entity: {
      sub: sub as string | undefined,
      userStatus: status as CidaasUserStatus,
      userStatusGiven: raw['userStatus'] !== undefined,
      account,
      identities,
      customFields,
      password,
      identifier,
    },
  };
}

import type { CidaasPasswordHashInfo } from '../../targets/cidaas/wire/hash.ts';
import { isObject } from '../shared/body.ts';
import type { CidaasEmulatorOptions, CustomFieldSpec } from './options.ts';
import type { StoredPassword } from './store.ts';

/** Field-level rules of the tenant: what a bulk entity and a PUT are checked against. */
export interface EntityRules {
  disposableDomains: ReadonlySet<string>;
  customFields: Record<string, CustomFieldSpec>;
  knownAlgorithm(algorithmTypeId: string): boolean;
}

const KNOWN_ALGORITHM = /^(BCRYPT_([1-9]|1\d|20)|SHA-?(1|224|256|384|512)|MD5|PBKDF2.*|ARGON.*|HMAC.*|CUSTOM_.+)$/i;

export function entityRules(options: CidaasEmulatorOptions, disposableDomains: ReadonlySet<string>): EntityRules {
  return {
    disposableDomains,
    customFields: options.customFields,
    knownAlgorithm: (id) => KNOWN_ALGORITHM.test(id) || options.algorithms[id] !== undefined,
  };
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

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** `password_hash_info` or a clear-text `password` of one entity level; a string is the problem. */
export function parsePassword(raw: Record<string, unknown>, rules: EntityRules): StoredPassword | string | undefined {
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

/** Checks `customFields` against the field setup; with `out`, also copies the enabled fields into it. */
export function customFieldProblem(fields: unknown, setup: Record<string, CustomFieldSpec>, out?: Record<string, unknown>): string | undefined {
  if (fields === undefined || fields === null) return undefined;
  if (!isObject(fields)) return 'invalid customFields';
  for (const key in fields) {
    const value = fields[key];
    const spec = setup[key];
    if (spec === undefined) return `custom field ${key} does not exist`;
    if (spec.enabled === false) continue;
    if (value !== null && !matchesType(value, spec.type)) return `invalid value for custom field ${key}`;
    if (out !== undefined) out[key] = value;
  }
  return undefined;
}

/** Whether an enabled `username` custom field carries a value: it then stands in for an identifier. */
export function usernameFieldSet(fields: unknown, setup: Record<string, CustomFieldSpec>): boolean {
  if (!isObject(fields)) return false;
  for (const key in fields) {
    const spec = setup[key];
    const value = fields[key];
    if (spec !== undefined && spec.enabled !== false && spec.type === 'username' && typeof value === 'string' && value !== '') return true;
  }
  return false;
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

import { HashAlgorithm } from '../model/password-hash.ts';
import { E164, User, UserStatus } from '../model/user.ts';

/**
 * `User.safeParse(x).data` for the users that pass, at a fraction of zod's cost per record: the
 * bulk path maps every user once, and zod's generic object walk was the mapper's largest cost.
 * It answers only when it is sure; `undefined` means "ask zod", which then also gives the reason,
 * so rejections keep zod's wording. When it answers, the result is what zod returns: keys in
 * schema order, defaults filled in, nested objects and arrays copied, unknown password keys dropped.
 * test/mapping/fast-validate.test.ts holds it to that, and fails when the schema gains a field.
 */
export function fastValidate(input: unknown): User | undefined {
  if (!isPlainObject(input)) return undefined;
  for (const key in input) {
    // Unknown keys and explicit undefineds have zod-specific outcomes; leave them to zod.
    if (!FIELDS.has(key) || input[key] === undefined) return undefined;
  }
  const out: Record<string, unknown> = {};
  if (!nonEmpty(input.sourceId)) return undefined;
  out.sourceId = input.sourceId;
  const status = input.status ?? 'active';
  if (typeof status !== 'string' || !STATUSES.has(status)) return undefined;
  out.status = status;
  if ('email' in input) {
    if (typeof input.email !== 'string' || !EMAIL.test(input.email)) return undefined;
    out.email = input.email;
  }
  if ('emailVerified' in input) {
    if (typeof input.emailVerified !== 'boolean') return undefined;
    out.emailVerified = input.emailVerified;
  }
  if ('phone' in input) {
    if (typeof input.phone !== 'string' || !E164.test(input.phone)) return undefined;
    out.phone = input.phone;
  }
  if ('phoneVerified' in input) {
    if (typeof input.phoneVerified !== 'boolean') return undefined;
    out.phoneVerified = input.phoneVerified;
  }
  if ('username' in input) {
    if (!nonEmpty(input.username)) return undefined;
    out.username = input.username;
  }
  if ('name' in input) {
    const name = stringObject(input.name, NAME_KEYS);
    if (!name) return undefined;
    out.name = name;
  }
  for (let i = 0; i < LOCALE_KEYS.length; i++) {
    const key = LOCALE_KEYS[i] as (typeof LOCALE_KEYS)[number];
    if (key in input) {
      if (typeof input[key] !== 'string') return undefined;
      out[key] = input[key];
    }
  }
  if ('birthdate' in input) {
    if (typeof input.birthdate !== 'string' || !DATE.test(input.birthdate)) return undefined;
    out.birthdate = input.birthdate;
  }
  for (let i = 0; i < PROFILE_KEYS.length; i++) {
    const key = PROFILE_KEYS[i] as (typeof PROFILE_KEYS)[number];
    if (key in input) {
      if (typeof input[key] !== 'string') return undefined;
      out[key] = input[key];
    }
  }
  if ('address' in input) {
    const address = stringObject(input.address, ADDRESS_KEYS);
    if (!address) return undefined;
    out.address = address;
  }
  if ('password' in input) {
    const password = userPassword(input.password);
    if (!password) return undefined;
    out.password = password;
  }
  for (let i = 0; i < NESTED_KEYS.length; i++) {
    const key = NESTED_KEYS[i] as (typeof NESTED_KEYS)[number];
    // Rare and nested: zod's own schema for the one field is still far cheaper than the whole user.
    if (!(key in input)) {
      out[key] = [];
      continue;
    }
    const parsed = User.shape[key].safeParse(input[key]);
    if (!parsed.success) return undefined;
    out[key] = parsed.data;
  }
  for (let i = 0; i < LIST_KEYS.length; i++) {
    const key = LIST_KEYS[i] as (typeof LIST_KEYS)[number];
    const list = key in input ? nonEmptyStrings(input[key]) : [];
    if (!list) return undefined;
    out[key] = list;
  }
  const attributes = 'attributes' in input ? attributeRecord(input.attributes) : {};
  if (!attributes) return undefined;
  out.attributes = attributes;
  for (let i = 0; i < INSTANT_KEYS.length; i++) {
    const key = INSTANT_KEYS[i] as (typeof INSTANT_KEYS)[number];
    if (key in input) {
      if (typeof input[key] !== 'string' || !DATETIME.test(input[key])) return undefined;
      out[key] = input[key];
    }
  }
  // The schema's refinement: one identifier at least.
  const identities = out.identities as unknown[];
  if (out.email === undefined && out.phone === undefined && out.username === undefined && identities.length === 0)
    return undefined;
  return out as User;
}

/** The patterns zod itself applies, read from the schema so the two cannot drift apart. */
function formatPattern(schema: { _zod: { def: { pattern?: RegExp | undefined } } }): RegExp {
  const pattern = schema._zod.def.pattern;
  // A schema without a pattern would make every fast check fail open; fail closed instead.
  return pattern instanceof RegExp ? pattern : /(?!)/;
}

const EMAIL = formatPattern(User.shape.email.unwrap());
const DATE = formatPattern(User.shape.birthdate.unwrap());
const DATETIME = formatPattern(User.shape.createdAt.unwrap());
const FIELDS: ReadonlySet<string> = new Set(Object.keys(User.shape));
const STATUSES: ReadonlySet<string> = new Set(UserStatus.options);
const ALGORITHMS: ReadonlySet<string> = new Set(HashAlgorithm.options);
const NAME_KEYS = ['given', 'family', 'middle', 'nickname', 'display'] as const;
const LOCALE_KEYS = ['locale', 'zoneinfo'] as const;
const PROFILE_KEYS = ['gender', 'picture'] as const;
const NESTED_KEYS = ['mfa', 'identities'] as const;
const LIST_KEYS = ['groups', 'roles'] as const;
const INSTANT_KEYS = ['createdAt', 'updatedAt', 'lastLoginAt'] as const;
const ADDRESS_KEYS = ['formatted', 'street', 'locality', 'region', 'postalCode', 'country'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** zod's objects skip symbol keys (for…in), but its records check them: records must have none. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.getOwnPropertySymbols(value).length === 0;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** A strict object of optional strings (name, address), rebuilt in schema key order as zod does. */
function stringObject(value: unknown, keys: readonly string[]): Record<string, string> | undefined {
  if (!isPlainObject(value)) return undefined;
  let count = 0;
  for (const key in value) {
    if (!keys.includes(key) || typeof value[key] !== 'string') return undefined;
    count++;
  }
  const out: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key in value) {
      out[key] = value[key] as string;
      count--;
    }
  }
  return count === 0 ? out : undefined;
}

function nonEmptyStrings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (!nonEmpty(item)) return undefined;
    out[i] = item;
  }
  return out;
}

function strings(value: unknown[]): string[] | undefined {
  const out: string[] = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') return undefined;
    out[i] = item;
  }
  return out;
}

function attributeRecord(value: unknown): Record<string, unknown> | undefined {
  if (!isPlainRecord(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (key === '__proto__') return undefined;
    const v = value[key];
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) out[key] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (Array.isArray(v)) {
      const list = strings(v);
      if (!list) return undefined;
      out[key] = list;
    } else return undefined;
  }
  return out;
}

/** UserPassword is a union: a PasswordHash first (unknown keys dropped), else `{ mustReset: true }`. */
function userPassword(value: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  if ('algorithm' in value) {
    const { algorithm, format, params, salt, hash, encoded } = value;
    if (typeof algorithm !== 'string' || !ALGORITHMS.has(algorithm) || !nonEmpty(format)) return undefined;
    const copied = params === undefined ? {} : paramRecord(params);
    if (!copied || ('salt' in value && salt !== undefined && typeof salt !== 'string')) return undefined;
    if (typeof hash !== 'string' || !nonEmpty(encoded)) return undefined;
    const out: Record<string, unknown> = { algorithm, format, params: copied };
    if ('salt' in value) out.salt = salt;
    out.hash = hash;
    out.encoded = encoded;
    return out;
  }
  return value.mustReset === true ? { mustReset: true } : undefined;
}

function paramRecord(value: unknown): Record<string, string | number | boolean> | undefined {
  if (!isPlainRecord(value)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const key in value) {
    if (key === '__proto__') return undefined;
    const v = value[key];
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[key] = v;
    else return undefined;
  }
  return out;
}

import { isObject } from '../shared/body.ts';

/** Field checks for TenantDump records, following the Cloudentity identity-system spec. */
export interface Problem {
  path: string;
  message: string;
}

export const USER_STATUS = ['active', 'inactive', 'deleted', 'new'] as const;
export const CREDENTIAL_TYPE = ['password', 'webauthn', 'totp'] as const;
export const CREDENTIAL_STATE = ['valid', 'must_be_reset', 'must_be_changed'] as const;
export const IDENTIFIER_TYPE = ['email', 'mobile', 'uid', 'external', 'federated'] as const;
export const ADDRESS_TYPE = ['email', 'mobile'] as const;
export const ADDRESS_STATUS = ['active', 'inactive'] as const;
export const CONTACT_METHOD = ['sms', 'voice'] as const;
export const HASH_METHOD = ['bcrypt', 'pbkdf2', 'argon2', 'sha', 'md5'] as const;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const SHA_FUNCTION = /^sha-?(1|224|256|384|512)$/i;

export type FieldType = 'string' | 'date-time' | 'boolean' | 'object' | 'integer' | readonly string[];

export interface RecordSchema {
  required: { spec: readonly string[]; docs: readonly string[] };
  fields: Record<string, FieldType>;
}

const LINK = { id: 'string', tenant_id: 'string', user_pool_id: 'string', user_id: 'string', created_at: 'date-time', updated_at: 'date-time' } as const;

export const SCHEMAS: Record<'users' | 'user_credentials' | 'user_identifiers' | 'user_verifiable_addresses', RecordSchema> = {
  users: {
    // `id` is not formally required by the spec, but nothing can link to a user without it.
    required: { spec: ['id', 'tenant_id', 'user_pool_id', 'status'], docs: ['id', 'user_pool_id', 'tenant_id'] },
    fields: {
      id: 'string', tenant_id: 'string', user_pool_id: 'string', status: USER_STATUS, status_updated_at: 'date-time',
      payload: 'object', metadata: 'object', business_metadata: 'object', payload_schema_id: 'string', metadata_schema_id: 'string',
      business_metadata_schema_id: 'string', created_at: 'date-time', updated_at: 'date-time',
    },
  },
  user_credentials: {
    required: { spec: ['id', 'tenant_id', 'user_pool_id', 'user_id', 'type', 'payload', 'created_at', 'updated_at'], docs: ['id', 'user_id', 'payload'] },
    fields: { ...LINK, type: CREDENTIAL_TYPE, payload: 'object', expires_at: 'date-time', state: CREDENTIAL_STATE },
  },
  user_identifiers: {
    required: {
      spec: ['id', 'tenant_id', 'user_pool_id', 'user_id', 'identifier', 'identifier_lc', 'type', 'created_at', 'updated_at'],
      docs: ['id', 'user_id', 'identifier'],
    },
    fields: { ...LINK, identifier: 'string', identifier_lc: 'string', type: IDENTIFIER_TYPE, metadata: 'object' },
  },
  user_verifiable_addresses: {
    required: {
      spec: ['id', 'tenant_id', 'user_pool_id', 'user_id', 'address', 'address_lc', 'type', 'status', 'verified', 'created_at', 'updated_at'],
      docs: ['id', 'user_id', 'address'],
    },
    fields: {
      ...LINK, address: 'string', address_lc: 'string', type: ADDRESS_TYPE, status: ADDRESS_STATUS, verified: 'boolean',
      verified_at: 'date-time', preferred_contact_method: CONTACT_METHOD, metadata: 'object',
    },
  },
};

/**
 * RFC 3339 check (the pattern, then Date.parse for the ranges), remembered: every record of an
 * import carries two to four of them and a user's records mostly repeat the same instants.
 */
const dateTimes = new Map<string, boolean>();

function isDateTime(value: string): boolean {
  let ok = dateTimes.get(value);
  if (ok === undefined) {
    ok = DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    if (dateTimes.size >= 4096) dateTimes.clear();
    dateTimes.set(value, ok);
  }
  return ok;
}

export function checkField(value: unknown, type: FieldType): string | undefined {
  if (Array.isArray(type)) return typeof value === 'string' && type.includes(value) ? undefined : `must be one of ${type.join(', ')}`;
  switch (type) {
    case 'string':
      return typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string';
    case 'date-time':
      return typeof value === 'string' && isDateTime(value) ? undefined : 'must be an RFC 3339 date-time';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'object':
      return isObject(value) ? undefined : 'must be an object';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? undefined : 'must be a non-negative integer';
  }
  return 'unknown type';
}

/** Checks record `index` of the dump array `array`; its path (`users[3]`) is only built for a problem. */
export function checkRecord(rec: unknown, schema: RecordSchema, mode: 'spec' | 'docs', array: string, index: number, out: Problem[]): void {
  if (!isObject(rec)) {
    out.push({ path: `${array}[${index}]`, message: 'must be an object' });
    return;
  }
  for (const field of schema.required[mode]) {
    if (rec[field] === undefined || rec[field] === null) out.push({ path: `${array}[${index}].${field}`, message: 'is required' });
  }
  for (const field in schema.fields) {
    const value = rec[field];
    if (value === undefined || value === null) continue;
    const problem = checkField(value, schema.fields[field] as FieldType);
    if (problem !== undefined) out.push({ path: `${array}[${index}].${field}`, message: problem });
  }
}

const HASH_PARAMS: Record<string, Record<string, FieldType>> = {
  bcrypt: { cost: 'integer' },
  pbkdf2: { function: 'string', number_of_iterations: 'integer', key_length: 'integer', salt: 'string', salt_length: 'integer' },
  argon2: { iterations: 'integer', memory_in_kb: 'integer', parallelism: 'integer', key_length: 'integer', salt: 'string', salt_length: 'integer' },
  sha: { function: 'string', salt: 'string', salt_length: 'integer', salt_after_digest_in_hash: 'boolean' },
  md5: { salt: 'string', salt_length: 'integer', salt_after_digest_in_hash: 'boolean' },
};

/** `payload.hashed_password` of a password credential: `{config: HashConfig, value}`. */
export function checkHashedPassword(hashed: unknown, path: string, out: Problem[]): void {
  if (!isObject(hashed)) return void out.push({ path, message: 'must be an object {config, value}' });
  if (typeof hashed['value'] !== 'string' || hashed['value'] === '') out.push({ path: `${path}.value`, message: 'must be a non-empty string' });
  const config = hashed['config'];
  if (!isObject(config)) return void out.push({ path: `${path}.config`, message: 'must be an object' });
  const method = config['method'];
  const methodProblem = checkField(method, HASH_METHOD);
  if (methodProblem !== undefined) return void out.push({ path: `${path}.config.method`, message: methodProblem });
  const params = config[method as string];
  if (params === undefined || params === null) return;
  if (!isObject(params)) return void out.push({ path: `${path}.config.${String(method)}`, message: 'must be an object' });
  const fields = HASH_PARAMS[method as string] ?? {};
  for (const field in fields) {
    const type = fields[field] as FieldType;
    const value = params[field];
    if (value === undefined || value === null || (type === 'string' && value === '')) continue;
    const problem = checkField(value, type);
    if (problem !== undefined) out.push({ path: `${path}.config.${String(method)}.${field}`, message: problem });
  }
  const fn = params['function'];
  if ((method === 'sha' || method === 'pbkdf2') && typeof fn === 'string' && !SHA_FUNCTION.test(fn)) {
    out.push({ path: `${path}.config.${String(method)}.function`, message: 'unsupported function' });
  }
}

import type { EmuRequest, Reply } from '../shared/router.ts';
import { authorize, type CidaasContext } from './context.ts';
import { cidaasError, cidaasOk } from './errors.ts';
import type { CustomFieldType } from './options.ts';
import { PendingUser, type CidaasUser } from './store.ts';

/**
 * The read routes `verify` and `plan` use besides `GET /user-srv/users/{sub}`: the SCIM 2.0 user
 * listing (RFC 7644 §3.4.2; cidaas advertises it as `scim_endpoint`, contracts/cidaas.md §1/§4) and
 * the field setup of one custom field (`GET /registration-setup-srv/fields/flat/field/{key}`,
 * the Terraform provider's `GetRegistrationField`).
 */

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** RFC 7644 §3.12 error body. */
function scimError(status: number, detail: string, scimType?: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/scim+json' },
    body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail, ...(scimType ? { scimType } : {}) },
  };
}

function positiveInt(v: string | null, fallback: number): number | undefined {
  if (v === null || v === '') return fallback;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** `GET {scim}/Users?startIndex&count`: users in creation order; `count` is capped at `scimMaxCount`. */
export function handleScimUsers(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:users_read']);
  if (!auth.ok) return auth.reply;
  if (req.query.has('filter')) return scimError(400, 'filter is not supported by this emulator', 'invalidFilter');
  const startIndex = positiveInt(req.query.get('startIndex'), 1);
  const count = positiveInt(req.query.get('count'), ctx.options.scimMaxCount);
  if (startIndex === undefined || count === undefined) return scimError(400, 'startIndex and count must be integers', 'invalidValue');
  // RFC 7644: startIndex below 1 is read as 1, a negative count as 0.
  const from = Math.max(1, startIndex);
  const take = Math.min(Math.max(0, count), ctx.options.scimMaxCount);
  const users = ctx.store.page(from - 1, take);
  return {
    status: 200,
    headers: { 'content-type': 'application/scim+json' },
    body: { schemas: [SCIM_LIST], totalResults: ctx.store.size, startIndex: from, itemsPerPage: users.length, Resources: users.map((u) => scimUser(u)) },
  };
}

type Obj = Record<string, unknown>;

/** A SCIM User resource of a stored user, read from the entity as sent while it is still pending. */
function scimUser(user: CidaasUser | PendingUser): Obj {
  const pending = user instanceof PendingUser;
  const raw = pending ? user.raw : undefined;
  const identities: Obj[] = pending
    ? Array.isArray(raw?.['identities'])
      ? (raw['identities'] as Obj[])
      : [raw as Obj]
    : user.identities;
  const status = pending ? ((raw?.['userStatus'] as string | undefined) ?? 'VERIFIED') : user.userStatus;
  const created = new Date(user.createdAt).toISOString();
  const first = identities[0] ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const emails = [...new Set(identities.map((i) => str(i['email'])).filter((v): v is string => v !== undefined))];
  const phones = [...new Set(identities.map((i) => str(i['mobile_number'])).filter((v): v is string => v !== undefined))];
  const userName = identities.map((i) => str(i['username'])).find((v) => v !== undefined) ?? emails[0] ?? phones[0] ?? user.sub;
  const name: Obj = {};
  if (str(first['given_name'])) name['givenName'] = first['given_name'];
  if (str(first['family_name'])) name['familyName'] = first['family_name'];
  if (str(first['middle_name'])) name['middleName'] = first['middle_name'];
  return {
    schemas: [SCIM_USER],
    id: user.sub,
    userName,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(emails.length > 0 ? { emails: emails.map((value, i) => ({ value, primary: i === 0 })) } : {}),
    ...(phones.length > 0 ? { phoneNumbers: phones.map((value) => ({ value })) } : {}),
    active: status === 'VERIFIED',
    meta: { resourceType: 'User', created, lastModified: pending ? created : new Date(user.updatedAt).toISOString() },
  };
}

const DATA_TYPES: Record<CustomFieldType, string> = {
  string: 'TEXT',
  username: 'USERNAME',
  number: 'NUMBER',
  boolean: 'CHECKBOX',
  date: 'DATE',
  array: 'ARRAY',
  object: 'JSON_STRING',
};

/** `GET /registration-setup-srv/fields/flat/field/{key}`: one custom field of the field setup; 404 when it does not exist. */
export function handleFieldSetup(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:field_setup_read']);
  if (!auth.ok) return auth.reply;
  const key = req.params['key'] ?? '';
  const spec = Object.hasOwn(ctx.options.customFields, key) ? ctx.options.customFields[key] : undefined;
  if (spec === undefined) return cidaasError(404, `field ${key} not found`, { type: 'FieldSetupException' });
  const dataType = spec.dataType ?? DATA_TYPES[spec.type];
  return cidaasOk(200, {
    fieldKey: key,
    fieldType: 'CUSTOM',
    dataType,
    baseDataType: spec.type === 'number' ? 'number' : spec.type === 'boolean' ? 'boolean' : spec.type === 'array' ? 'array' : spec.type === 'object' ? 'object' : 'string',
    enabled: spec.enabled !== false,
    internal: false,
    readOnly: false,
    required: false,
  });
}

import { isObj, put, type Obj } from '../common/view.ts';
import { PASSWORD_MUST_RESET, PASSWORD_NOT_SHOWN, type FieldCategory, type UserView } from '../target.ts';

/**
 * The comparable view of a cidaas user, built the same way from the bulk entity the adapter sends
 * and from the admin API's answer (`GET /user-srv/users/{sub}`: the account, its identities, groups,
 * roles and custom fields, contracts/cidaas.md §4). Both come in the flat form (one identity merged
 * into the account) or with `identities[]`; the profile is read from the identity of the configured
 * provider, else the first one, which is where the adapter puts it.
 */

/** Identity-level fields the adapter sends, with the kind of field each is. */
const PROFILE: ReadonlyArray<[string, FieldCategory]> = [
  ['email', 'email'],
  ['email_verified', 'verified'],
  ['mobile_number', 'phone'],
  ['mobile_number_verified', 'verified'],
  ['username', 'username'],
  ['given_name', 'names'],
  ['family_name', 'names'],
  ['middle_name', 'names'],
  ['nickname', 'names'],
  ['gender', 'profile'],
  ['birthdate', 'profile'],
  ['locale', 'profile'],
  ['zoneinfo', 'profile'],
  ['picture', 'profile'],
];

const ADDRESS_KEYS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;

function providerOf(identity: Obj): string {
  return typeof identity['provider'] === 'string' && identity['provider'] !== '' ? identity['provider'] : 'self';
}

/** The user object of an admin API answer: under `data` in the standard envelope, else the body itself. */
export function cidaasUserOfBody(body: unknown): Obj | undefined {
  if (!isObj(body)) return undefined;
  const data = body['data'];
  if (isObj(data)) return data;
  return body;
}

/** `groups` as the entity sends them (`{sub, groupId}`) or as strings. */
function groupIds(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v
    .map((g) => (typeof g === 'string' ? g : isObj(g) && typeof g['groupId'] === 'string' ? g['groupId'] : undefined))
    .filter((g): g is string => g !== undefined);
}

/**
 * The view of a cidaas user object (an entity as sent, or the admin API's user). `provider` is the
 * configured local provider; `side` says how the password is read: an entity carries a hash or a
 * reset flag; an answer shows at most the reset flag (the admin API shows no credential).
 */
export function cidaasView(user: Obj, provider: string, side: 'sent' | 'read'): UserView {
  const view: UserView = {};
  put(view, 'status', 'status', user['userStatus']);
  const listed = Array.isArray(user['identities']) ? (user['identities'] as unknown[]).filter(isObj) : [];
  const identities = listed.length > 0 ? listed : [user];
  const primary = identities.find((i) => providerOf(i) === provider) ?? identities[0] ?? {};
  for (const [key, category] of PROFILE) put(view, key, category, primary[key]);
  const address = primary['address'];
  if (isObj(address)) for (const k of ADDRESS_KEYS) put(view, `address.${k}`, 'profile', address[k]);
  put(
    view,
    'identities',
    'identities',
    identities.filter((i) => typeof i['providerUserId'] === 'string' && i['providerUserId'] !== '').map((i) => `${providerOf(i)}:${String(i['providerUserId'])}`),
  );
  const custom = user['customFields'];
  if (isObj(custom)) for (const [k, v] of Object.entries(custom)) put(view, `customFields.${k}`, 'attributes', v);
  put(view, 'roles', 'groups', user['roles']);
  put(view, 'groups', 'groups', groupIds(user['groups']));
  put(view, 'mfa_enabled', 'mfa', user['mfa_enabled']);
  view['password'] = { value: passwordState(user, side), category: 'password' };
  return view;
}

function passwordState(user: Obj, side: 'sent' | 'read'): string {
  if (user['need_reset_password'] === true || user['generate_password'] === true) return PASSWORD_MUST_RESET;
  const info = user['password_hash_info'];
  if (isObj(info) && typeof info['algorithmTypeId'] === 'string') return `hash:${info['algorithmTypeId']}`;
  return side === 'read' ? PASSWORD_NOT_SHOWN : PASSWORD_MUST_RESET;
}

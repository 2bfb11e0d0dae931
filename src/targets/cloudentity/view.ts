import { isObj, put, type Obj } from '../common/view.ts';
import { PASSWORD_ABSENT, PASSWORD_HIDDEN, PASSWORD_MUST_RESET, type FieldCategory, type UserView } from '../target.ts';

/**
 * The comparable view of a Cloudentity user, built the same way from the import entry the adapter
 * sends (user, credentials, identifiers, addresses) and from the System API's `UserWithData` (the
 * user's fields with `identifiers[]`, `verifiable_addresses[]` and blurred `credentials[]`,
 * contracts/cloudentity.md §7): both carry the same records.
 */
export interface CeRecords {
  user: Obj;
  identifiers: readonly Obj[];
  addresses: readonly Obj[];
  credentials: readonly Obj[];
}

/** OIDC claims of the payload `cePayload` writes, with the kind of field each is; other keys are attributes. */
const CLAIMS: Record<string, FieldCategory> = {
  email: 'email',
  email_verified: 'verified',
  phone_number: 'phone',
  phone_number_verified: 'verified',
  preferred_username: 'username',
  given_name: 'names',
  family_name: 'names',
  middle_name: 'names',
  nickname: 'names',
  name: 'names',
  locale: 'profile',
  zoneinfo: 'profile',
  birthdate: 'profile',
  gender: 'profile',
  picture: 'profile',
};

const METADATA: Record<string, FieldCategory> = { groups: 'groups', roles: 'groups', mfa: 'mfa', last_login_at: 'profile' };

/** `expires_at` of a credential that keeps its password (SecureAuth migration guide, contract §3.1). */
const NO_EXPIRY = '1900-01-01T00:00:00Z';

export function ceView(records: CeRecords, now: number = Date.now()): UserView {
  const view: UserView = {};
  const { user } = records;
  put(view, 'status', 'status', user['status']);
  const payload = user['payload'];
  if (isObj(payload)) {
    for (const [k, v] of Object.entries(payload)) {
      if (k === 'address' && isObj(v)) {
        for (const [ak, av] of Object.entries(v)) put(view, `payload.address.${ak}`, 'profile', av);
      } else put(view, `payload.${k}`, CLAIMS[k] ?? 'attributes', v);
    }
  }
  const metadata = user['metadata'];
  if (isObj(metadata)) {
    for (const [k, v] of Object.entries(metadata)) {
      // The legacy id is how the user is found, not a field of it.
      if (k !== 'legacy_id') put(view, `metadata.${k}`, METADATA[k] ?? 'attributes', v);
    }
  }
  const federated: string[] = [];
  for (const i of records.identifiers) {
    const type = i['type'];
    const value = i['identifier'];
    if (typeof value !== 'string') continue;
    if (type === 'federated' || type === 'external') federated.push(value);
    else if (type === 'email') put(view, 'identifier.email', 'email', value);
    else if (type === 'mobile') put(view, 'identifier.mobile', 'phone', value);
    else if (type === 'uid') put(view, 'identifier.uid', 'username', value);
  }
  put(view, 'identities', 'identities', federated);
  for (const a of records.addresses) {
    const type = a['type'];
    if (type !== 'email' && type !== 'mobile') continue;
    put(view, `address.${type}`, type === 'email' ? 'email' : 'phone', a['address']);
    put(view, `address.${type}.verified`, 'verified', a['verified']);
  }
  const password = records.credentials.find((c) => c['type'] === 'password');
  view['password'] = { value: password === undefined ? PASSWORD_ABSENT : passwordState(password, now), category: 'password' };
  if (records.credentials.some((c) => c['type'] === 'totp')) view['mfa.totp'] = { value: true, category: 'mfa' };
  return view;
}

function passwordState(credential: Obj, now: number): string {
  const state = credential['state'];
  if (state === 'must_be_reset' || state === 'must_be_changed') return PASSWORD_MUST_RESET;
  const expires = credential['expires_at'];
  if (typeof expires === 'string' && expires !== NO_EXPIRY) {
    const at = Date.parse(expires);
    if (!Number.isNaN(at) && at <= now) return PASSWORD_MUST_RESET;
  }
  const payload = credential['payload'];
  const hashed = isObj(payload) ? payload['hashed_password'] : undefined;
  const config = isObj(hashed) ? hashed['config'] : undefined;
  if (isObj(config) && typeof config['method'] === 'string') return `hash:${config['method']}`;
  // The System API blurs credential payloads: a credential is there, its algorithm is not shown.
  return PASSWORD_HIDDEN;
}

/** The records of a `UserWithData` answer. */
export function recordsOfUserWithData(body: Obj): CeRecords {
  const list = (k: string) => (Array.isArray(body[k]) ? (body[k] as unknown[]).filter(isObj) : []);
  return { user: body, identifiers: list('identifiers'), addresses: list('verifiable_addresses'), credentials: list('credentials') };
}

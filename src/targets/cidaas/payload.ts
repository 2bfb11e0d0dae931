import type { CidaasTargetConfig } from './config.ts';
import { planPassword as planHash, type HashAcceptance } from '../../hashes/plan.ts';
import { cidaasHashAcceptance, type CidaasPasswordHashInfo } from './wire/hash.ts';
import { isPasswordHash } from '../../model/index.ts';
import type { User } from '../../model/index.ts';
import { uuidV5 } from '../common/uuid-v5.ts';
import type { CidaasAddress, CidaasIdentity, CidaasUserEntity } from './types.ts';

export type CidaasPayloadConfig = Pick<
  CidaasTargetConfig,
  | 'hashAlgorithms'
  | 'hashEncoding'
  | 'unsupportedHash'
  | 'verifierAlgorithmTypeId'
  | 'provider'
  | 'sub'
  | 'namespace'
  | 'statusMap'
  | 'displayNameField'
>;

/** How a user's password travels: a hash cidaas verifies, a forced reset, or a refusal before sending. */
export type PasswordPlan =
  | { kind: 'hash'; info: CidaasPasswordHashInfo; via: 'native' | 'verifier' }
  | { kind: 'reset'; because: 'no_password' | 'must_reset' | 'unsupported_hash' }
  | { kind: 'reject'; reason: string };

export type BuildResult =
  | { ok: true; entity: CidaasUserEntity; password: Exclude<PasswordPlan, { kind: 'reject' }> }
  | { ok: false; reason: string; code: string };

export function cidaasSub(sourceId: string, config: Pick<CidaasPayloadConfig, 'sub' | 'namespace'>): string {
  if (config.sub === 'uuidv5') {
    if (!config.namespace) throw new Error('cidaas sub uuidv5 needs a namespace');
    return uuidV5(`user:${sourceId}`, config.namespace);
  }
  return sourceId;
}

/** One per config: the plan runs once per user, on the staging thread in a bulk run. */
const ACCEPTANCE = new WeakMap<CidaasPayloadConfig, HashAcceptance<CidaasPasswordHashInfo, CidaasPasswordHashInfo>>();

function acceptanceOf(config: CidaasPayloadConfig): HashAcceptance<CidaasPasswordHashInfo, CidaasPasswordHashInfo> {
  let a = ACCEPTANCE.get(config);
  if (a === undefined) {
    a = cidaasHashAcceptance(config.hashAlgorithms, config.hashEncoding, config.verifierAlgorithmTypeId);
    ACCEPTANCE.set(config, a);
  }
  return a;
}

export function planPassword(user: User, config: CidaasPayloadConfig): PasswordPlan {
  const p = user.password;
  if (p === undefined) return { kind: 'reset', because: 'no_password' };
  if (!isPasswordHash(p)) return { kind: 'reset', because: 'must_reset' };
  // The policy (reject | reset | verifier) is the shared one of src/hashes; what the tenant takes is cidaas'.
  const plan = planHash(p, acceptanceOf(config), config.unsupportedHash);
  switch (plan.action) {
    case 'import':
      return { kind: 'hash', info: plan.value, via: 'native' };
    case 'verifier':
      return { kind: 'hash', info: plan.value, via: 'verifier' };
    case 'reset':
      return { kind: 'reset', because: 'unsupported_hash' };
    default:
      return { kind: 'reject', reason: plan.reason };
  }
}

export function buildCidaasEntity(user: User, config: CidaasPayloadConfig): BuildResult {
  const password = planPassword(user, config);
  if (password.kind === 'reject') return { ok: false, reason: password.reason, code: 'unsupported_hash' };
  const sub = cidaasSub(user.sourceId, config);

  // Built field by field rather than with spreads: this runs once per user on the delivery thread.
  const entity: CidaasUserEntity = { sub, userStatus: config.statusMap[user.status] };
  const customFields: Record<string, unknown> = Object.assign({}, user.attributes);
  if (config.displayNameField && user.name?.display !== undefined) customFields[config.displayNameField] = user.name.display;
  if (hasKeys(customFields)) entity.customFields = customFields;
  if (user.roles.length > 0) entity.roles = user.roles.slice();
  if (user.groups.length > 0) entity.groups = user.groups.map((groupId) => ({ sub, groupId }));
  entity.mfa_enabled = user.mfa.length > 0;
  if (password.kind === 'hash') entity.password_hash_info = password.info;
  else entity.need_reset_password = true;
  if (user.createdAt) entity.createdTime = user.createdAt;
  if (user.lastLoginAt) entity.lastLoggedInTime = user.lastLoginAt;

  const local = hasLocalIdentifier(user) ? selfIdentity(user, config.provider) : undefined;
  if (user.identities.length === 0 && local) return { ok: true, entity: Object.assign(entity, local), password };
  // The identities form: one account, one identity per way of logging in, all under the same sub.
  const socials: CidaasIdentity[] = user.identities.map((i) => {
    const identity: CidaasIdentity = { sub, provider: i.provider, providerUserId: i.providerUserId };
    if (user.email !== undefined) identity.email = user.email;
    return identity;
  });
  const identities = local ? [Object.assign({ sub }, local), ...socials] : withProfile(socials, user);
  entity.identities = identities;
  return { ok: true, entity, password };
}

function hasKeys(o: object): boolean {
  for (const key in o) if (Object.hasOwn(o, key)) return true;
  return false;
}

function hasLocalIdentifier(user: User): boolean {
  return user.email !== undefined || user.phone !== undefined || user.username !== undefined;
}

function selfIdentity(user: User, provider: string): CidaasIdentity {
  const identity: CidaasIdentity = { provider };
  putIdentifiers(identity, user);
  putProfile(identity, user);
  return identity;
}

/** Without a local identity the profile still has to land somewhere: on the first social identity. */
function withProfile(socials: CidaasIdentity[], user: User): CidaasIdentity[] {
  const [first, ...rest] = socials;
  if (!first) return [];
  putProfile(first, user);
  return [first, ...rest];
}

/** Leave absent fields out: cidaas treats an explicit null as "unassign". */
function put<K extends keyof CidaasIdentity>(o: CidaasIdentity, key: K, value: CidaasIdentity[K] | undefined): void {
  if (value !== undefined) o[key] = value;
}

function putIdentifiers(o: CidaasIdentity, user: User): void {
  put(o, 'username', user.username);
  if (user.email !== undefined) {
    o.email = user.email;
    o.email_verified = user.emailVerified ?? false;
  }
  if (user.phone !== undefined) {
    o.mobile_number = user.phone;
    o.mobile_number_verified = user.phoneVerified ?? false;
  }
}

function putProfile(o: CidaasIdentity, user: User): void {
  const name = user.name;
  if (name !== undefined) {
    put(o, 'given_name', name.given);
    put(o, 'family_name', name.family);
    put(o, 'middle_name', name.middle);
    put(o, 'nickname', name.nickname);
  }
  put(o, 'gender', user.gender);
  put(o, 'birthdate', user.birthdate);
  put(o, 'locale', user.locale);
  put(o, 'zoneinfo', user.zoneinfo);
  put(o, 'picture', user.picture);
  if (user.address) o.address = address(user.address);
}

function address(a: NonNullable<User['address']>): CidaasAddress {
  const out: CidaasAddress = {};
  if (a.formatted !== undefined) out.formatted = a.formatted;
  if (a.street !== undefined) out.street_address = a.street;
  if (a.locality !== undefined) out.locality = a.locality;
  if (a.region !== undefined) out.region = a.region;
  if (a.postalCode !== undefined) out.postal_code = a.postalCode;
  if (a.country !== undefined) out.country = a.country;
  return out;
}

import type { CidaasTargetConfig } from '../../config/target.ts';
import { planPassword as planHash } from '../../hashes/index.ts';
import type { CidaasPasswordHashInfo } from '../../hashes/index.ts';
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

export function planPassword(user: User, config: CidaasPayloadConfig): PasswordPlan {
  const p = user.password;
  if (p === undefined) return { kind: 'reset', because: 'no_password' };
  if (!isPasswordHash(p)) return { kind: 'reset', because: 'must_reset' };
  // The policy (reject | reset | verifier) is the shared one of src/hashes; only the shape is cidaas'.
  const plan = planHash(
    p,
    {
      target: 'cidaas',
      algorithmTypeIds: config.hashAlgorithms,
      ...(config.hashEncoding ? { options: config.hashEncoding } : {}),
      verifierAlgorithmTypeId: config.verifierAlgorithmTypeId,
    },
    config.unsupportedHash,
  );
  switch (plan.action) {
    case 'import':
      return plan.target === 'cidaas' ? { kind: 'hash', info: plan.info, via: 'native' } : { kind: 'reject', reason: 'not a cidaas plan' };
    case 'verifier':
      return { kind: 'hash', info: plan.info, via: 'verifier' };
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

  const entity: CidaasUserEntity = { sub, userStatus: config.statusMap[user.status] };
  const customFields: Record<string, unknown> = { ...user.attributes };
  if (config.displayNameField && user.name?.display !== undefined)
    customFields[config.displayNameField] = user.name.display;
  if (Object.keys(customFields).length > 0) entity.customFields = customFields;
  if (user.roles.length > 0) entity.roles = [...user.roles];
  if (user.groups.length > 0) entity.groups = user.groups.map((groupId) => ({ sub, groupId }));
  entity.mfa_enabled = user.mfa.length > 0;
  if (password.kind === 'hash') entity.password_hash_info = password.info;
  else entity.need_reset_password = true;
  if (user.createdAt) entity.createdTime = user.createdAt;
  if (user.lastLoginAt) entity.lastLoggedInTime = user.lastLoginAt;

  const local = hasLocalIdentifier(user) ? selfIdentity(user, config.provider) : undefined;
  if (user.identities.length === 0 && local) {
    return { ok: true, entity: { ...entity, ...local }, password };
  }
  // The identities form: one account, one identity per way of logging in, all under the same sub.
  const socials: CidaasIdentity[] = user.identities.map((i) => ({
    sub,
    provider: i.provider,
    providerUserId: i.providerUserId,
    ...(user.email !== undefined ? { email: user.email } : {}),
  }));
  const identities = local ? [{ sub, ...local }, ...socials] : withProfile(socials, user);
  return { ok: true, entity: { ...entity, identities }, password };
}

function hasLocalIdentifier(user: User): boolean {
  return user.email !== undefined || user.phone !== undefined || user.username !== undefined;
}

function selfIdentity(user: User, provider: string): CidaasIdentity {
  return compact({ provider, ...identifiers(user), ...profile(user) });
}

/** Without a local identity the profile still has to land somewhere: on the first social identity. */
function withProfile(socials: CidaasIdentity[], user: User): CidaasIdentity[] {
  const [first, ...rest] = socials;
  return first ? [compact({ ...first, ...profile(user) }), ...rest] : [];
}

function identifiers(user: User): CidaasIdentity {
  return {
    username: user.username,
    email: user.email,
    email_verified: user.email !== undefined ? (user.emailVerified ?? false) : undefined,
    mobile_number: user.phone,
    mobile_number_verified: user.phone !== undefined ? (user.phoneVerified ?? false) : undefined,
  };
}

function profile(user: User): CidaasIdentity {
  return {
    given_name: user.name?.given,
    family_name: user.name?.family,
    middle_name: user.name?.middle,
    nickname: user.name?.nickname,
    gender: user.gender,
    birthdate: user.birthdate,
    locale: user.locale,
    zoneinfo: user.zoneinfo,
    picture: user.picture,
    address: user.address ? address(user.address) : undefined,
  };
}

function address(a: NonNullable<User['address']>): CidaasAddress {
  return compact({
    formatted: a.formatted,
    street_address: a.street,
    locality: a.locality,
    region: a.region,
    postal_code: a.postalCode,
    country: a.country,
  });
}

/** Leave absent fields out: cidaas treats an explicit null as "unassign". */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

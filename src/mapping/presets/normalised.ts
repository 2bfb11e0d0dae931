import type { Mapping } from '../../config/mapping.ts';

/**
 * Vendor sources (Auth0, Keycloak, Firebase, Cognito, Cloudentity) read each user into this shape,
 * so one default mapping fits them all. The vendor's original record stays under `raw`, for
 * overrides such as `attributes: { plan: raw.app_metadata.plan }`.
 */
export interface NormalisedRecord {
  sourceId: string;
  status?: 'active' | 'disabled' | 'pending' | 'deleted';
  email?: string;
  emailVerified?: boolean;
  phone?: string;
  phoneVerified?: boolean;
  username?: string;
  name?: { given?: string; family?: string; middle?: string; nickname?: string; display?: string };
  picture?: string;
  locale?: string;
  zoneinfo?: string;
  birthdate?: string;
  gender?: string;
  address?: { formatted?: string; street?: string; locality?: string; region?: string; postalCode?: string; country?: string };
  createdAt?: string;
  updatedAt?: string;
  lastLoginAt?: string;
  /** The stored hash as a self-describing string `identify` recognises, or absent. */
  password?: string;
  /** A separate salt, when the format needs one (Firebase). */
  passwordSalt?: string;
  /** The row's hash format, for sources whose users mix formats (see `mapping.password.formatFrom`). */
  passwordFormat?: string;
  mfa?: unknown[];
  identities?: { provider: string; providerUserId: string }[];
  groups?: string[];
  roles?: string[];
  raw: unknown;
}

const FIELDS = [
  'sourceId',
  'status',
  'email',
  'emailVerified',
  'phone',
  'phoneVerified',
  'username',
  'name.given',
  'name.family',
  'name.middle',
  'name.nickname',
  'name.display',
  'picture',
  'locale',
  'zoneinfo',
  'birthdate',
  'gender',
  'address.formatted',
  'address.street',
  'address.locality',
  'address.region',
  'address.postalCode',
  'address.country',
  'createdAt',
  'updatedAt',
  'lastLoginAt',
  'mfa',
  'identities',
  'groups',
  'roles',
] as const;

export function normalisedPreset(password?: Partial<NonNullable<Mapping['password']>>): Partial<Mapping> {
  const preset: Partial<Mapping> = {
    fields: Object.fromEntries(FIELDS.map((f) => [f, f])),
  };
  if (password !== undefined) {
    preset.password = {
      from: 'password',
      format: 'auto',
      saltEncoding: 'utf8',
      saltPosition: 'prefix',
      encoding: 'hex',
      keyEncoding: 'utf8',
      unrecognised: 'reject',
      ...password,
    };
  }
  return preset;
}

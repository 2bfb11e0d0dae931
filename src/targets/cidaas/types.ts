import type { CidaasPasswordHashInfo } from './wire/hash.ts';

/** One identity of a cidaas user entity (contracts/cidaas.md §3.2); the flat form merges one into the account. */
export interface CidaasIdentity {
  sub?: string;
  provider?: string;
  providerUserId?: string;
  username?: string;
  email?: string;
  email_verified?: boolean;
  mobile_number?: string;
  mobile_number_verified?: boolean;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  gender?: string;
  birthdate?: string;
  locale?: string;
  zoneinfo?: string;
  picture?: string;
  address?: CidaasAddress;
}

export interface CidaasAddress {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

export interface CidaasGroupMap {
  sub: string;
  groupId: string;
}

export interface CidaasUserEntity extends CidaasIdentity {
  sub: string;
  userStatus: string;
  customFields?: Record<string, unknown>;
  roles?: string[];
  groups?: CidaasGroupMap[];
  mfa_enabled?: boolean;
  password_hash_info?: CidaasPasswordHashInfo;
  need_reset_password?: boolean;
  createdTime?: string;
  lastLoggedInTime?: string;
  identities?: CidaasIdentity[];
}

/** One entry of `process_states` after normalising the vendor's variants. */
export interface CidaasProcessState {
  sub?: string;
  identifier?: Record<string, unknown>;
  state?: string;
  message?: string;
}

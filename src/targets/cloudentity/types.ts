import type { PasswordHash } from '../../model/index.ts';

/** Records of the Identity Tenant Import body (`TenantDump`, contracts/cloudentity.md §3.2). */
export interface CeUser {
  id: string;
  tenant_id: string;
  user_pool_id: string;
  status: 'active' | 'inactive' | 'deleted' | 'new';
  status_updated_at?: string;
  payload: Record<string, unknown>;
  payload_schema_id?: string;
  metadata: Record<string, unknown>;
  metadata_schema_id?: string;
  created_at: string;
  updated_at: string;
}

export interface CeHash {
  config: { method: string } & Record<string, unknown>;
  value: string;
}

export interface CeCredential {
  id: string;
  tenant_id: string;
  user_pool_id: string;
  user_id: string;
  type: 'password' | 'totp' | 'webauthn';
  payload: Record<string, unknown>;
  expires_at?: string;
  created_at: string;
  updated_at: string;
}

export interface CeIdentifier {
  id: string;
  tenant_id: string;
  user_pool_id: string;
  user_id: string;
  type: 'email' | 'mobile' | 'uid' | 'external' | 'federated';
  identifier: string;
  identifier_lc: string;
  metadata?: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface CeAddress {
  id: string;
  tenant_id: string;
  user_pool_id: string;
  user_id: string;
  type: 'email' | 'mobile';
  address: string;
  address_lc: string;
  status: 'active' | 'inactive';
  verified: boolean;
  verified_at?: string;
  preferred_contact_method?: 'sms' | 'voice';
  created_at: string;
  updated_at: string;
}

export interface TenantDump {
  users: CeUser[];
  user_credentials: CeCredential[];
  user_identifiers: CeIdentifier[];
  user_verifiable_addresses: CeAddress[];
}

/** Everything one legacy user becomes; the import takes only full entries. */
export interface UserEntry {
  sourceId: string;
  user: CeUser;
  credentials: CeCredential[];
  identifiers: CeIdentifier[];
  addresses: CeAddress[];
}

export type CeEncodeResult = { ok: true; value: CeHash } | { ok: false; reason: string };
export type CeEncoder = (hash: PasswordHash) => CeEncodeResult;

import type { BinaryEncoding } from '../../hashes/primitives.ts';
import { DEFAULT_FAULTS, type CommonEmulatorOptions, type FaultOptions } from '../shared/types.ts';

export const CLOUDENTITY_SCOPES = ['manage_configuration', 'read_configuration', 'identity'] as const;

export interface CloudentityClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

export interface CloudentityPoolOption {
  id: string;
  name?: string;
  identifier_case_insensitive?: boolean;
  payload_schema_id?: string;
  metadata_schema_id?: string;
  /** `password`, `otp`, `totp`, `webauthn`, … (Pool.authentication_mechanisms). */
  authentication_mechanisms?: string[];
}

/** A schema of `GET /system/schemas` (Schema: id, name, a JSON Schema in `schema`). */
export interface CloudentitySchemaOption {
  id: string;
  name?: string;
  schema: Record<string, unknown>;
  system?: boolean;
}

/** [?] How `hashed_password` salts and values are encoded: unconfirmed, so configurable. */
export interface HashSemantics {
  /** Encoding of `value` for pbkdf2/argon2 (raw)/sha/md5. Default base64. */
  valueEncoding: BinaryEncoding;
  /** Encoding of a `salt` given in the config. Default base64, the same unconfirmed choice the adapter makes. */
  saltEncoding: BinaryEncoding;
  /** sha/md5 input order. Default password then salt (the SSHA layout). */
  saltOrder: 'password-salt' | 'salt-password';
}

export interface CloudentityEmulatorOptions extends CommonEmulatorOptions {
  tenant: string;
  /** Pools that exist before any import; strings are pool ids. */
  pools: Array<string | CloudentityPoolOption>;
  clients: CloudentityClient[];
  tokenTtlSeconds: number;
  /** Users per import request (docs: 100). */
  batchCap: number;
  /** [?] Status for a batch above the cap. */
  batchCapStatus: 400 | 413;
  /** `spec`: required fields of the current OpenAPI; `docs`: the shorter list of the migration how-to. */
  requiredFields: 'spec' | 'docs';
  /** Scopes that allow the export; 2024+ specs need read_configuration, older ones manage_configuration. */
  exportScopes: string[];
  /** [?] A re-imported user loses credentials/identifiers/addresses not in the request ("full entries update"). */
  reimportReplacesSubentries: boolean;
  /**
   * [?] A re-imported record (same id): `replace`d by what was sent, or `merge`d, where a field the
   * request leaves out keeps its stored value ("updates existing values with the values provided").
   */
  reimportRecords: 'replace' | 'merge';
  /** `X-Idempotency-Key` replay window. */
  idempotencyWindowSeconds: number;
  hashSemantics: HashSemantics;
  /** Schemas the tenant has (payload/metadata validation is not emulated; `plan` reads them). */
  schemas: CloudentitySchemaOption[];
}

export type CloudentityEmulatorInput = Partial<Omit<CloudentityEmulatorOptions, 'faults' | 'hashSemantics'>> & {
  faults?: Partial<FaultOptions>;
  hashSemantics?: Partial<HashSemantics>;
};

export function defaultCloudentityClient(): CloudentityClient {
  return { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: [...CLOUDENTITY_SCOPES] };
}

export function resolveCloudentityOptions(input: CloudentityEmulatorInput = {}): CloudentityEmulatorOptions {
  return {
    host: input.host ?? '127.0.0.1',
    port: input.port ?? 0,
    record: input.record,
    maxBodyBytes: input.maxBodyBytes ?? 64 * 1024 * 1024,
    clock: input.clock ?? Date.now,
    faults: { ...DEFAULT_FAULTS, ...input.faults },
    tenant: input.tenant ?? 'default',
    pools: input.pools ?? ['default-pool'],
    clients: input.clients ?? [defaultCloudentityClient()],
    tokenTtlSeconds: input.tokenTtlSeconds ?? 3600,
    batchCap: input.batchCap ?? 100,
    batchCapStatus: input.batchCapStatus ?? 413,
    requiredFields: input.requiredFields ?? 'spec',
    exportScopes: input.exportScopes ?? ['read_configuration'],
    reimportReplacesSubentries: input.reimportReplacesSubentries ?? true,
    reimportRecords: input.reimportRecords ?? 'replace',
    idempotencyWindowSeconds: input.idempotencyWindowSeconds ?? 60,
    hashSemantics: { valueEncoding: 'base64', saltEncoding: 'base64', saltOrder: 'password-salt', ...input.hashSemantics },
    schemas: input.schemas ?? [],
  };
}

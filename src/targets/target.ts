import type { Outcome, User, UserStatus } from '../model/index.ts';
import type { RemovedField } from '../model/removed.ts';

/** One user as the engine hands it to a target: the canonical user plus what the ledger knows. */
export interface PlannedUser {
  sourceId: string;
  user: User;
  /** True when the ledger says the target already has this user (an earlier call succeeded). */
  knownToTarget: boolean;
  /**
   * Fields the source dropped since the target last had this user (model/removed.ts). A target
   * whose update keeps what it is not sent must clear these; one that replaces the user whole
   * (Cloudentity's import) need not look.
   */
  removed?: readonly RemovedField[];
}

export interface TargetCapabilities {
  /** Largest batch the API accepts and the batch size used unless configured otherwise. */
  maxBatch: number;
  defaultBatch: number;
  /** Canonical hash algorithms (model `HashAlgorithm`) the target can take as they are. */
  hashAlgorithms: ReadonlySet<string>;
  totpImport: boolean;
  /** False when the API answers for the whole request (the adapter then bisects a refused batch). */
  perUserResults: boolean;
}

/** Counters for the run report; cumulative since the target was created. */
export interface TargetStats {
  /** HTTP calls to the API, token requests excluded. */
  requests: number;
  tokenFetches: number;
  /** Tokens dropped because the API answered 401 before they should have expired. */
  tokenRefreshesAfter401: number;
  /** Extra import calls spent splitting refused batches to isolate bad records. */
  bisectionCalls: number;
  /** Users sent with a forced password reset because the target could not take their hash. */
  unsupportedHashResets: number;
  /** Users sent with the lazy-migration verifier algorithm instead of a native hash. */
  verifierHashes: number;
}

/** What an adapter would do with one user's password and MFA; for `plan` and the report. */
export interface UserPreview {
  password: 'import' | 'verifier' | 'reset' | 'reject';
  /** Why the password is not imported as it is (redacted: never a hash value). */
  reason?: string;
  mfaFactors: number;
  mfaLost: number;
}

/**
 * A user prepared for a bulk call ahead of time, on the staging thread: everything `upsert` would
 * compute per user, done once. Plain data, so it can cross threads; `payload` is the adapter's own.
 */
export interface BulkEncoding {
  preview: UserPreview;
  payload: BulkPayload;
}

/** Adapter-specific, structured-clonable: strings, numbers, booleans, arrays and plain objects. */
export type BulkPayload = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** One pre-encoded user as the engine hands it back for sending. */
export interface EncodedPlannedUser {
  sourceId: string;
  knownToTarget: boolean;
  payload: BulkPayload;
  removed?: readonly RemovedField[];
}

export interface Target {
  readonly name: string;
  readonly capabilities: TargetCapabilities;
  /** Decide, without sending anything, how this user's password and MFA would reach the target. */
  preview(user: User): UserPreview;
  /**
   * Check reachability and credentials before any user is claimed. Throws `TargetUnreachableError`
   * or `TargetAuthError` (see `errors.ts`); other calls would throw them too, only later.
   */
  open?(): Promise<void>;
  /**
   * One outcome per input user, in any order. Never throws for per-user or transient HTTP failures;
   * throws only the fatal errors of `errors.ts` (auth refused, target unreachable at start, config).
   */
  upsert(users: PlannedUser[]): Promise<Outcome[]>;
  /**
   * Optional pair: `encodeForBulk` does the per-user work of `upsert` ahead (the engine runs it on the
   * staging thread, with its own instance of the adapter), and `upsertEncoded` sends such users with
   * the same outcomes `upsert` would give. The preview is the census's, so nothing is computed twice.
   */
  encodeForBulk?(user: User): BulkEncoding;
  upsertEncoded?(users: EncodedPlannedUser[]): Promise<Outcome[]>;
  remove(sourceIds: string[]): Promise<Outcome[]>;
  stats?(): TargetStats;
  close(): Promise<void>;
}

/**
 * The per-user paths the event-stream sync uses, one call per event, so that an event never waits
 * for a batch to fill. Every method returns an Outcome like `upsert` does and throws only fatal
 * errors. The adapter picks the cheapest vendor API that carries the change in full:
 * - cidaas: everything but status and deletes goes through the bulk upsert with one user, which is
 *   the only documented cidaas API that takes a password hash; status uses `PUT /user-srv/users/{sub}`.
 * - Cloudentity: profile, status and identifier/address changes use the per-user System APIs; a
 *   password change re-imports the user's full entry set, since no per-user API accepts a hash.
 */
export interface SingleUserTarget extends Target {
  /** Create or update the user with every field, password included (a `user.created` event). */
  upsertOne(user: PlannedUser): Promise<Outcome>;
  /** Profile fields, custom attributes, groups/roles: not identifiers, not the password. */
  updateProfile(user: User): Promise<Outcome>;
  /** The user's email changed; `previousEmail` lets the target drop the old identifier. */
  changeEmail(user: User, previousEmail?: string): Promise<Outcome>;
  /** The legacy password hash changed (or became a forced reset). */
  changePassword(user: User): Promise<Outcome>;
  setStatus(sourceId: string, status: UserStatus): Promise<Outcome>;
  /** Idempotent: a user the target no longer has is reported as deleted. */
  deleteOne(sourceId: string): Promise<Outcome>;
}

export function isSingleUserTarget(t: Target): t is SingleUserTarget {
  const s = t as Partial<SingleUserTarget>;
  return (
    typeof s.upsertOne === 'function' &&
    typeof s.deleteOne === 'function' &&
    typeof s.setStatus === 'function'
  );
}

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

/**
 * What `verify` compares, per field: a normalised value and the kind of field it is, so that drift
 * is reported as "email", "names", "groups", … Both sides are built by the same code from the same
 * shape (the adapter's payload, and the target's answer, which has that shape): what matches is what
 * was written. Values never include a password hash or a secret; a password is a state.
 */
export type FieldCategory =
  | 'email'
  | 'phone'
  | 'username'
  | 'names'
  | 'profile'
  | 'status'
  | 'groups'
  | 'attributes'
  | 'identities'
  | 'verified'
  | 'password'
  | 'mfa';

/** Scalars as they are; lists sorted; objects as canonical JSON text. */
export type ViewValue = string | number | boolean | readonly string[];

export interface ViewField {
  value: ViewValue;
  category: FieldCategory;
}

export type UserView = Record<string, ViewField>;

/**
 * Password states in a view. `hash:<algorithm>` is what the adapter sends; a target that shows a
 * credential but not its algorithm answers `hidden`, one that shows nothing of credentials `not-shown`.
 */
export const PASSWORD_HIDDEN = 'hidden';
export const PASSWORD_NOT_SHOWN = 'not-shown';
export const PASSWORD_MUST_RESET = 'must-reset';
export const PASSWORD_ABSENT = 'absent';

/** What the adapter would write for a user, as the comparison sees it; or why it would send nothing. */
export type ExpectedUser =
  | { kind: 'sent'; view: UserView }
  | { kind: 'refused'; reason: string };

export type ReadResult =
  | { kind: 'found'; view: UserView }
  | { kind: 'absent' }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; throttled: boolean }
  /** The target answered, but not with the user (e.g. 400/417): retrying will not help. */
  | { kind: 'failed'; reason: string };

/** One user of the target's listing. */
export interface ListedUser {
  targetKey: string;
  /** The legacy id the target stores for this user, where it stores one (Cloudentity `metadata.legacy_id`). */
  legacyId?: string;
  /** Lower-cased login identifiers. */
  identifiers: string[];
}

export type ListResult =
  | { kind: 'page'; users: ListedUser[]; /** Undefined after the last page. */ next: string | undefined }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; throttled: boolean }
  | { kind: 'failed'; reason: string };

/**
 * The read side of a target, for `verify` and `plan`'s pre-flight checks. Every method throws only
 * the fatal errors of `errors.ts` (auth refused, target unreachable, a config the target does not know).
 */
export interface TargetReader {
  /** Where the target keeps a legacy user: cidaas `sub`, Cloudentity user id. */
  targetKey(sourceId: string): string;
  /** The view of what the adapter sends for this user (its payload, through the same projection as a read). */
  expect(user: User): ExpectedUser;
  /** Check the read paths' preconditions (token, pool) before the first read. */
  open(): Promise<void>;
  read(sourceId: string): Promise<ReadResult>;
  /** One page of every user the target holds; `cursor` is the previous page's `next`. */
  list(cursor: string | undefined): Promise<ListResult>;
  /** What the read API cannot show, said in `verify`'s output (e.g. a credential's algorithm). */
  readonly blindSpots: readonly string[];
}

/** A problem `plan` found in the target before sending anything. */
export interface PreflightProblem {
  /** Stable key, e.g. `field-missing:loyalty`. */
  key: string;
  severity: 'error' | 'warning';
  message: string;
  /** What to do about it (which scope to ask for, which setting to change, whom to ask). */
  remedy?: string;
  /** Users of the source this problem would hit; absent for problems of the whole migration. */
  users?: number;
}

/**
 * The tenant-side checks of `plan`: `probe` asks the target once (token, scopes, pool, schemas)
 * before the source is read; `inspect` sees every valid user during the read; `finish` looks up
 * what those users need (custom fields, algorithms) and names each problem with its user count.
 */
export interface TargetPreflight {
  probe(): Promise<PreflightProblem[]>;
  inspect(user: User): void;
  finish(): Promise<PreflightProblem[]>;
}

export interface ReadableTarget extends Target {
  reader(): TargetReader;
  preflight?(): TargetPreflight;
}

export function isReadableTarget(t: Target): t is ReadableTarget {
  return typeof (t as Partial<ReadableTarget>).reader === 'function';
}

import type { Outcome, User } from '../model/index.ts';
import type { RemovedField } from '../model/removed.ts';

/** One user as the engine or the sync has it, before it is encoded for a target (see `encodePlanned`). */
export interface PlannedUser {
  sourceId: string;
  user: User;
  /** True when the ledger says the target already has this user (an earlier call succeeded). */
  knownToTarget: boolean;
  /** See `EncodedPlannedUser.removed`. */
  removed?: RemovedFields;
}

/**
 * Fields the source dropped since the target last had this user (model/removed.ts). `unknown` where
 * nothing recorded what the user lost (the event sync keeps only the user's current state): a target
 * whose update keeps what it is not sent then clears every field the user lacks.
 */
export type RemovedFields = readonly RemovedField[] | 'unknown';

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
 * A user encoded for the target: everything `upsert` needs of it, computed once. Plain data, so it
 * can cross threads (a bulk run encodes on the staging thread); `payload` is the adapter's own.
 */
export interface UserEncoding {
  preview: UserPreview;
  payload: EncodedPayload;
}

/** Adapter-specific, structured-clonable: strings, numbers, booleans, arrays and plain objects. */
export type EncodedPayload = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** One encoded user as it is handed to `upsert`. */
export interface EncodedPlannedUser {
  sourceId: string;
  knownToTarget: boolean;
  payload: EncodedPayload;
  removed?: RemovedFields;
}

/**
 * A target's one write path is `encode` then `upsert`: where `encode` runs is the caller's choice
 * (a bulk run encodes on the staging thread, with its own instance of the adapter, and falls back
 * to its delivery thread for users re-read from the ledger; the event sync encodes in its apply
 * loop), and every user reaches the target through `upsert`, batched, in the sync too.
 */
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
  /** The per-user work of a write, without sending anything; the preview is the census's. */
  encode(user: User): UserEncoding;
  /**
   * One outcome per input user, in any order. Never throws for per-user or transient HTTP failures;
   * throws only the fatal errors of `errors.ts` (auth refused, target unreachable at start, config).
   */
  upsert(users: EncodedPlannedUser[]): Promise<Outcome[]>;
  /** Same contract as `upsert`; idempotent: a user the target no longer has is reported as deleted. */
  remove(sourceIds: string[]): Promise<Outcome[]>;
  /**
   * The sync calls this before the user's upsert when an event changed the email, for a target whose
   * upsert cannot drop the old identifier by itself (`previousEmail` names it). An Outcome that is
   * not ok keeps the user out of that upsert. Throws only fatal errors.
   */
  changeEmail?(user: User, previousEmail?: string): Promise<Outcome>;
  stats?(): TargetStats;
  close(): Promise<void>;
}

/** The planned user encoded by `target`, ready for its `upsert`. */
export function encodePlanned(target: Target, p: PlannedUser): EncodedPlannedUser {
  const e: EncodedPlannedUser = { sourceId: p.sourceId, knownToTarget: p.knownToTarget, payload: target.encode(p.user).payload };
  if (p.removed !== undefined) e.removed = p.removed;
  return e;
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

import type { EventShape, UserEventType } from '../../model/event.ts';

/**
 * The event inbox of the stream sync: the durable, deduplicating, per-user ordered queue between the
 * event inputs and the target. An input acknowledges upstream only after `append` has resolved, so
 * an event is either in the inbox or still with the broker. SQLite (`sqlite.ts`) implements
 * it now; a PostgreSQL implementation must pass the same contract tests (test/stream/inbox.test.ts).
 * Every method returns a promise so that a networked implementation fits the same contract.
 */

/** An event that decoded into a change of one user (model/event.ts: `UserEvent`). */
export interface InboxEvent {
  id: string;
  source: string;
  type: UserEventType;
  subject: string;
  /** Order key (model/order-key.ts): never ties for two different changes the source can tell apart. */
  version: string;
  /** When the change happened at the source (ISO), as the envelope says; the lag is measured from it. */
  time: string;
  /** How `data` becomes a user; with `data`. */
  shape?: EventShape | undefined;
  /** What the change says about the user: merged into the last applied state (absent = unchanged, null = cleared). */
  data?: Record<string, unknown> | undefined;
}

/** An event that could not be decoded: it goes straight to the dead letters and never blocks a user. */
export interface BadEvent {
  /** The upstream id if one could be read (used to swallow redeliveries of the same bad event). */
  id?: string | undefined;
  source: string;
  subject?: string | undefined;
  reason: string;
  /** The raw payload, kept for the operator's diagnosis; never logged. */
  raw?: string | undefined;
}

/**
 * What one message decoded to: an event, a dead letter (with the reason), or a message that is not a
 * change of a user at all (a Debezium tombstone, an Auth0 login log): counted by reason, never stored.
 */
export type IncomingEvent = { ok: true; event: InboxEvent } | { ok: false; bad: BadEvent } | { ok: false; ignored: string };

export interface AppendResult {
  accepted: number;
  duplicates: number;
  dead: number;
  /** Messages that were not user changes (counted by reason in the inbox). */
  ignored?: number;
}

export interface ClaimedEvent extends InboxEvent {
  /** Inbox position; unique and increasing in arrival order. */
  seq: number;
  receivedAt: number;
  /**
   * Whether the event carries a user, where `data` is parsed only when first read (claims from the
   * SQLite inbox): asking this does not parse it. See `carriesUser`.
   */
  hasData?: boolean;
  /** The data's JSON text where it was read from the inbox (the content digest hashes it as stored). */
  dataJson?: string | undefined;
}

/** Whether a claimed event carries a user, without parsing one that is still stored JSON. */
export const carriesUser = (ev: ClaimedEvent): boolean => ev.hasData ?? ev.data !== undefined;

/** The user as the last applied change left it: the merged data of its events (JSON), and their shape. */
export interface UserState {
  shape: EventShape;
  /** JSON text of the merged data, parsed only where it is needed. */
  json: string;
}

/** One user's mailbox as a worker holds it under lease. */
export interface ClaimedUser {
  subject: string;
  /** Order key of the last change applied to the target ('' before the first). */
  appliedVersion: string;
  /** Content digests of the changes applied at `appliedVersion` (a redelivery with another id is a duplicate). */
  appliedDigests: string[];
  /** The merged state partial events are merged into; undefined before the first change or after a delete. */
  state: UserState | undefined;
  /** An operator released this user's held delete (`sync --release-deletes`): the delete cap lets it through. */
  deleteReleased?: boolean;
  /** The user was deleted at `appliedVersion`; a newer change brings it back (created afresh in the target). */
  tombstone: boolean;
  /** The email the target last received, so an email change can drop the old identifier. */
  lastEmail: string | undefined;
  /** True once any change for this user was applied (the target has or had the user). */
  known: boolean;
  attempts: number;
  /** Pending events in version order (then arrival order). */
  events: ClaimedEvent[];
}

/** What the plan settled about events without the target, in any settlement. */
export interface SettlementExtras {
  /** Events older than the applied change (superseded): counted as skipped. */
  skipped?: number[] | undefined;
  /** Events with the same content at the same version as one already applied: counted as duplicates. */
  duplicates?: number[] | undefined;
  /** Events that cannot be applied (unorderable, unmappable): dead letters with the reason. */
  unusable?: { seqs: number[]; reason: string }[] | undefined;
}

export type UserSettlement = SettlementExtras &
  (
    | {
        subject: string;
        kind: 'applied';
        /** Events the target now reflects; `version` becomes the applied version. */
        applied: number[];
        version: string;
        /** Content digests of the applied events at `version` (see `ClaimedUser.appliedDigests`). */
        digests?: string[] | undefined;
        tombstone: boolean;
        email: string | undefined;
        /** The user's merged state after these events (JSON); null clears it (a delete). Absent: unchanged. */
        state?: UserState | null | undefined;
      }
    | { subject: string; kind: 'skipped' }
    | {
        subject: string;
        kind: 'retry';
        reason: string;
        retryAfterMs?: number | undefined;
        /**
         * The failure was this user's own (others in the same call went through): it counts toward
         * `maxAttempts`. A failure of the whole call (the target is down) never does.
         */
        counts?: boolean | undefined;
        /** The call may still land: never sent again before this time (ms), even when the target recovers. */
        holdUntil?: number | undefined;
      }
    /** The target refused these events (or they ran out of attempts): dead letters; later events go on. */
    | { subject: string; kind: 'dead'; events: number[]; reason: string }
    /** A delete beyond the sync's delete cap: the user waits for an operator (`sync --release-deletes`). */
    | { subject: string; kind: 'held'; reason: string }
  );

/** What `settleAndClaim` claims after settling: `claim`'s arguments. */
export interface NextClaim {
  maxUsers: number;
  leaseMs: number;
  maxEventsPerUser: number;
}

export interface InboxRetryPolicy {
  maxAttempts: number;
  /** Delay before attempt n+1 when the target named none; optional where the caller resolved it. */
  backoffMs?(attempt: number): number;
}

export interface SettleTotals {
  applied: number;
  skipped: number;
  /** Same content at the same version (a redelivery under another id). */
  duplicates?: number;
  retried: number;
  dead: number;
  /** Users whose delete waits for an operator. */
  held?: number;
}

export interface DeadLetter {
  id: string | undefined;
  source: string;
  subject: string | undefined;
  type: string | undefined;
  version: string | undefined;
  reason: string;
  at: number;
}

export interface InboxStats {
  /** Events received and not yet applied, skipped or dead-lettered. */
  backlog: number;
  backlogUsers: number;
  /** Users waiting for a retry after a failure. */
  retrying: number;
  /**
   * Age in ms of the oldest unapplied change, from the change's own time (the envelope's), so time
   * spent upstream counts too; 0 with no backlog.
   */
  lagMs: number;
  /** Age in ms of the oldest unapplied event since it entered the inbox. */
  inboxAgeMs: number;
  oldestPendingAt: number | undefined;
  received: number;
  applied: number;
  /** Older than the applied change (superseded by a newer one). */
  skipped: number;
  /** Dropped as redeliveries: same source and id at append, same content at the same version at apply. */
  duplicates: number;
  contentDuplicates: number;
  /** Messages that were not user changes, by reason. */
  ignored: { reason: string; count: number }[];
  dead: number;
  /** Users whose delete waits for an operator (delete cap), and since when the oldest waits. */
  heldDeletes: number;
  heldSince: number | undefined;
  /** What the running sync last reported about itself (target reachability, upstream backlog). */
  live: SyncLiveStatus | undefined;
  deadByReason: { reason: string; count: number }[];
  tombstones: number;
  /** Events applied in the last minute, per second. */
  ratePerSec: number;
  nextDueAt: number | undefined;
}

/** What a running sync reports about itself, stored so `status` (another process) can show it. */
export interface SyncLiveStatus {
  /** When it was written (ms). */
  at: number;
  /** The target has failed every call since this time (ms), with the last reason; absent while it answers. */
  targetDownSince?: number | undefined;
  targetDownReason?: string | undefined;
  /** Per input: connected, and what waits upstream (broker messages, replication lag in bytes). */
  inputs: { name: string; kind: string; connected: boolean; pending?: number | undefined; lagBytes?: number | undefined }[];
}

export interface EventInbox {
  /** Durable once resolved. Duplicates (same source and id) are counted and dropped. */
  append(events: IncomingEvent[], now?: number): Promise<AppendResult>;
  /** Lease up to `maxUsers` users that have due events; a leased user is invisible to other owners. */
  claim(owner: string, maxUsers: number, leaseMs: number, maxEventsPerUser?: number, now?: number): Promise<ClaimedUser[]>;
  settle(owner: string, settlements: UserSettlement[], policy: InboxRetryPolicy, now?: number): Promise<SettleTotals>;
  /**
   * Optional: `settle`, then `claim` for the same owner, in one transaction. One commit instead of
   * two, and the pages of the users table the settle writes are often those the claim leases.
   */
  settleAndClaim?(
    owner: string,
    settlements: UserSettlement[],
    policy: InboxRetryPolicy,
    next: NextClaim,
    now?: number,
  ): Promise<{ totals: SettleTotals; claimed: ClaimedUser[] }>;
  /**
   * Optional: `append`, and in the same transaction lease for `owner` up to `next.maxUsers` of the
   * users that were idle before these events (nothing pending, no lease, no retry due). Every event
   * such a user has pending is in `events`, so it comes back claimed without the inbox reading
   * anything back: a sync that keeps up applies from memory what it has just made durable. Users
   * with older pending events are left to `claim`, which serves them in order.
   */
  appendAndClaim?(events: IncomingEvent[], owner: string, next: NextClaim, now?: number): Promise<AppendResult & { claimed: ClaimedUser[] }>;
  /**
   * Extend every lease `owner` still holds by `leaseMs` from now; returns how many users it holds.
   * A live owner calls it well within each lease, so a user is never taken over while its call (or a
   * batch claimed ahead) is still on the way to the target: only a stopped owner's leases expire.
   */
  renewLeases(owner: string, leaseMs: number, now?: number): Promise<number>;
  /** Give back every lease of `owner` (shutdown) so another process can take the users at once. */
  releaseOwner(owner: string): Promise<void>;
  /**
   * Leases held by owners that are gone (a killed process) end at `holdUntil` (ms), or at once
   * without it, instead of at their expiry. Returns how many users they held.
   */
  releaseDeadOwners(isAlive: (owner: string) => boolean, holdUntil?: number): Promise<number>;
  stats(now?: number): Promise<InboxStats>;
  /** The cheap part of `stats` (counter and index lookups), for frequent drain checks. */
  backlog(now?: number): Promise<{ backlog: number; lagMs: number; heldEvents: number }>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /**
   * Forget applied and skipped events received before `before` (ms). Their ids no longer dedupe;
   * a redelivery that old is still a no-op through the version guard (counted as skipped).
   */
  prune(before: number, limit?: number): Promise<number>;
  /**
   * Clear the payloads of settled events (profiles, password hashes), oldest first, looking at up to
   * `limit` events; returns how many events the sweep moved past (fewer than `limit`: it reached the
   * newest event, or waits behind one still queued). Run it often: settling does not clear them.
   */
  scrub(limit?: number): Promise<number>;
  /** Put dead-lettered events with a subject back in their users' queues; returns how many. */
  retryDead(): Promise<number>;
  /** Let held deletes through (the delete cap): the users are claimed again at once; returns how many. */
  releaseDeletes(): Promise<number>;
  /**
   * The target answers again: users waiting for a retry after a failure of the whole call are due
   * now (except those whose call may still land: they keep their hold). Returns how many.
   */
  wakeRetrying(now?: number): Promise<number>;
  /** Stores what the running sync reports about itself (see `stats().live`). */
  putLiveStatus(status: SyncLiveStatus): Promise<void>;
  close(): Promise<void>;
}

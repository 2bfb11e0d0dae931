import type { UserEventType } from '../model/event.ts';
import type { User } from '../model/index.ts';

/**
 * The event inbox of the stream sync: the durable, deduplicating, per-user ordered queue between the
 * event inputs and the target. An input acknowledges upstream only after `append` has resolved, so
 * an event is either in the inbox or still with the broker. SQLite (`inbox-sqlite.ts`) implements
 * it now; a PostgreSQL implementation must pass the same contract tests (test/stream/inbox.test.ts).
 * Every method returns a promise so that a networked implementation fits the same contract.
 */

/** An event that decoded into a canonical change of one user. */
export interface InboxEvent {
  id: string;
  source: string;
  type: UserEventType;
  subject: string;
  version: number;
  /** When the change happened at the source (ISO), as the envelope says. */
  time: string;
  data?: User | undefined;
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

export type IncomingEvent = { ok: true; event: InboxEvent } | { ok: false; bad: BadEvent };

export interface AppendResult {
  accepted: number;
  duplicates: number;
  dead: number;
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
}

/** Whether a claimed event carries a user, without parsing one that is still stored JSON. */
export const carriesUser = (ev: ClaimedEvent): boolean => ev.hasData ?? ev.data !== undefined;

/** One user's mailbox as a worker holds it under lease. */
export interface ClaimedUser {
  subject: string;
  /** Highest version applied to the target (0 before the first). */
  appliedVersion: number;
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

export type UserSettlement =
  | {
      subject: string;
      kind: 'applied';
      /** Events the target now reflects; the highest version becomes the applied version. */
      applied: number[];
      /** Events dropped by the version guard or a tombstone. */
      skipped: number[];
      version: number;
      tombstone: boolean;
      email: string | undefined;
    }
  | { subject: string; kind: 'skipped'; skipped: number[] }
  | { subject: string; kind: 'retry'; reason: string; retryAfterMs?: number | undefined; skipped?: number[] }
  /** The target refused these events (or they ran out of attempts): dead letters; later events go on. */
  | { subject: string; kind: 'dead'; events: number[]; reason: string; skipped?: number[] };

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
  retried: number;
  dead: number;
}

export interface DeadLetter {
  id: string | undefined;
  source: string;
  subject: string | undefined;
  type: string | undefined;
  version: number | undefined;
  reason: string;
  at: number;
}

export interface InboxStats {
  /** Events received and not yet applied, skipped or dead-lettered. */
  backlog: number;
  backlogUsers: number;
  /** Users waiting for a retry after a failure. */
  retrying: number;
  /** Age in ms of the oldest unapplied event (since it entered the inbox); 0 with no backlog. */
  lagMs: number;
  oldestPendingAt: number | undefined;
  received: number;
  applied: number;
  skipped: number;
  dead: number;
  deadByReason: { reason: string; count: number }[];
  tombstones: number;
  /** Events applied in the last minute, per second. */
  ratePerSec: number;
  nextDueAt: number | undefined;
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
  backlog(now?: number): Promise<{ backlog: number; lagMs: number }>;
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
  close(): Promise<void>;
}

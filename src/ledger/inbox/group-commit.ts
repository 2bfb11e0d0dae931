import * as admin from './sqlite-admin.ts';
import type { ClaimRequest, InboxStore } from './sqlite-store.ts';
import type { StoredBatch } from './wire.ts';
import type { SyncLiveStatus, UserSettlement } from './inbox.ts';
import { isOwnerAlive } from '../owner.ts';

/** One inbox call as it crosses to the inbox thread. Arguments are plain data (no functions). */
export type InboxCall =
  | { method: 'append'; args: [events: StoredBatch, now: number | undefined, claim?: ClaimRequest] }
  | { method: 'claim'; args: [request: ClaimRequest, now: number | undefined] }
  | { method: 'settle'; args: [owner: string, settlements: UserSettlement[], maxAttempts: number, now: number | undefined] }
  | { method: 'settleAndClaim'; args: [owner: string, settlements: UserSettlement[], maxAttempts: number, next: ClaimRequest, now: number | undefined] }
  | { method: 'attemptsOf'; args: [subjects: string[]] }
  | { method: 'renewLeases'; args: [owner: string, until: number] }
  | { method: 'releaseOwner'; args: [owner: string] }
  | { method: 'releaseDeadOwners'; args: [holdUntil: number | undefined] }
  | { method: 'backlog'; args: [now: number | undefined] }
  | { method: 'stats'; args: [now: number | undefined] }
  | { method: 'prune'; args: [before: number, limit: number | undefined] }
  | { method: 'scrub'; args: [limit: number | undefined] }
  | { method: 'deadLetters'; args: [limit: number | undefined] }
  | { method: 'retryDead'; args: [] }
  | { method: 'releaseDeletes'; args: [] }
  | { method: 'wakeRetrying'; args: [now: number | undefined] }
  | { method: 'putLiveStatus'; args: [status: SyncLiveStatus] };

export type Answer = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Runs the calls that queued up while the inbox thread was busy in ONE transaction (group commit):
 * a commit costs the pages it writes plus an fsync, and calls in a group share both. Answers are
 * produced only after the commit, so an append is still durable before anyone acks it.
 *
 * If the group fails (a call throws, or the commit does), everything in it was rolled back; each
 * call is then retried in a transaction of its own, so one bad call fails alone.
 */
export function runGroup(store: InboxStore, calls: InboxCall[]): Answer[] {
  if (calls.length === 0) return [];
  try {
    return store.write(
      () => calls.map((c): Answer => ({ ok: true, result: execute(store, c) })),
      calls.every((c) => redoable(c.method)),
    );
  } catch {
    if (calls.length === 1) return [alone(store, calls[0]!)];
    return calls.map((c) => alone(store, c));
  }
}

/**
 * Calls whose writes may be undone by a power cut and done again (see `InboxStore.write`): a group
 * of only these commits without an fsync. An append is acknowledged upstream after its commit, and
 * `retryDead` and `releaseDeletes` are an operator's commands: a group with any of them is fsynced.
 */
const REDOABLE: ReadonlySet<InboxCall['method']> = new Set<InboxCall['method']>([
  'claim',
  'settle',
  'settleAndClaim',
  'attemptsOf',
  'renewLeases',
  'releaseOwner',
  'releaseDeadOwners',
  'backlog',
  'stats',
  'prune',
  'scrub',
  'deadLetters',
  'wakeRetrying',
  'putLiveStatus',
]);

export const redoable = (method: InboxCall['method']): boolean => REDOABLE.has(method);

function alone(store: InboxStore, call: InboxCall): Answer {
  try {
    return { ok: true, result: store.write(() => execute(store, call), redoable(call.method)) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Backoff delays were resolved by the caller (they are a function there); only the attempt limit crosses. */
const policyOf = (maxAttempts: number) => ({ maxAttempts });

function execute(store: InboxStore, c: InboxCall): unknown {
  const now = Date.now();
  switch (c.method) {
    case 'append':
      return store.append(c.args[0], c.args[1] ?? now, c.args[2]);
    case 'claim':
      return store.claim(c.args[0], c.args[1] ?? now);
    case 'settle':
      return store.settle(c.args[0], c.args[1], policyOf(c.args[2]), c.args[3] ?? now);
    case 'settleAndClaim': {
      const [owner, settlements, maxAttempts, next, at] = c.args;
      const totals = store.settle(owner, settlements, policyOf(maxAttempts), at ?? now);
      return { totals, claimed: store.claim(next, at ?? now) };
    }
    case 'attemptsOf':
      return store.attemptsOf(c.args[0]);
    case 'renewLeases':
      return store.renewLeases(c.args[0], c.args[1]);
    case 'releaseOwner':
      return store.releaseOwner(c.args[0]);
    case 'releaseDeadOwners':
      // Functions cannot cross threads: the liveness check of lease owners runs here.
      return store.releaseDeadOwners(isOwnerAlive, c.args[0]);
    case 'backlog':
      return admin.backlog(store, c.args[0] ?? now);
    case 'stats':
      return admin.stats(store, c.args[0] ?? now);
    case 'prune':
      return admin.prune(store, c.args[0], c.args[1] ?? 10_000);
    case 'scrub':
      return admin.scrub(store, c.args[0] ?? 10_000);
    case 'deadLetters':
      return admin.deadLetters(store, c.args[0] ?? 100);
    case 'retryDead':
      return admin.retryDead(store);
    case 'releaseDeletes':
      return store.releaseDeletes();
    case 'wakeRetrying':
      return store.wakeRetrying(c.args[0] ?? now);
    case 'putLiveStatus':
      return admin.putLiveStatus(store, c.args[0]);
  }
}

import type {
  AppendResult,
  ClaimedUser,
  DeadLetter,
  EventInbox,
  InboxRetryPolicy,
  InboxStats,
  IncomingEvent,
  NextClaim,
  SettleTotals,
  SyncLiveStatus,
  UserSettlement,
} from './inbox.ts';
import * as admin from './sqlite-admin.ts';
import { redoable } from './group-commit.ts';
import { InboxStore, type SqliteInboxOptions } from './sqlite-store.ts';
import { fromAppendClaims, fromRows, toStored } from './wire.ts';

export type { SqliteInboxOptions } from './sqlite-store.ts';

/**
 * SQLite event inbox on the caller's thread: every call is its own transaction, committed before
 * its promise resolves. `ThreadedSqliteInbox` runs the same store on a thread of its own and
 * commits the calls that queue up there together.
 */
export class SqliteInbox implements EventInbox {
  private readonly store: InboxStore;

  constructor(file: string, options: SqliteInboxOptions = {}) {
    this.store = new InboxStore(file, options);
  }

  append(events: IncomingEvent[], now = Date.now()): Promise<AppendResult> {
    const stored = toStored(events);
    return Promise.resolve(this.store.write(() => this.store.append(stored, now)));
  }

  appendAndClaim(events: IncomingEvent[], owner: string, next: NextClaim, now = Date.now()): Promise<AppendResult & { claimed: ClaimedUser[] }> {
    const stored = toStored(events);
    const { claimed, ...r } = this.store.write(() => this.store.append(stored, now, { owner, ...next }));
    return Promise.resolve({ ...r, claimed: fromAppendClaims(events, claimed, stored) });
  }

  claim(owner: string, maxUsers: number, leaseMs: number, maxEventsPerUser = 100, now = Date.now()): Promise<ClaimedUser[]> {
    return Promise.resolve(fromRows(this.store.write(() => this.store.claim({ owner, maxUsers, leaseMs, maxEventsPerUser }, now), redoable('claim'))));
  }

  settle(owner: string, settlements: UserSettlement[], policy: InboxRetryPolicy, now = Date.now()): Promise<SettleTotals> {
    return Promise.resolve(this.store.write(() => this.store.settle(owner, settlements, policy, now), redoable('settle')));
  }

  settleAndClaim(
    owner: string,
    settlements: UserSettlement[],
    policy: InboxRetryPolicy,
    next: NextClaim,
    now = Date.now(),
  ): Promise<{ totals: SettleTotals; claimed: ClaimedUser[] }> {
    const r = this.store.write(() => ({ totals: this.store.settle(owner, settlements, policy, now), claimed: this.store.claim({ owner, ...next }, now) }), redoable('settleAndClaim'));
    return Promise.resolve({ totals: r.totals, claimed: fromRows(r.claimed) });
  }

  renewLeases(owner: string, leaseMs: number, now = Date.now()): Promise<number> {
    return Promise.resolve(this.store.write(() => this.store.renewLeases(owner, now + leaseMs), redoable('renewLeases')));
  }

  releaseOwner(owner: string): Promise<void> {
    this.store.releaseOwner(owner);
    return Promise.resolve();
  }

  releaseDeadOwners(isAlive: (owner: string) => boolean, holdUntil?: number): Promise<number> {
    return Promise.resolve(this.store.releaseDeadOwners(isAlive, holdUntil));
  }

  backlog(now = Date.now()): Promise<{ backlog: number; lagMs: number; heldEvents: number }> {
    return Promise.resolve(admin.backlog(this.store, now));
  }

  stats(now = Date.now()): Promise<InboxStats> {
    return Promise.resolve(admin.stats(this.store, now));
  }

  prune(before: number, limit = 10_000): Promise<number> {
    return Promise.resolve(admin.prune(this.store, before, limit));
  }

  scrub(limit = 10_000): Promise<number> {
    return Promise.resolve(this.store.write(() => admin.scrub(this.store, limit), redoable('scrub')));
  }

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return Promise.resolve(admin.deadLetters(this.store, limit));
  }

  retryDead(): Promise<number> {
    return Promise.resolve(this.store.write(() => admin.retryDead(this.store)));
  }

  releaseDeletes(): Promise<number> {
    return Promise.resolve(this.store.write(() => this.store.releaseDeletes()));
  }

  wakeRetrying(now = Date.now()): Promise<number> {
    return Promise.resolve(this.store.write(() => this.store.wakeRetrying(now), redoable('wakeRetrying')));
  }

  putLiveStatus(status: SyncLiveStatus): Promise<void> {
    this.store.write(() => admin.putLiveStatus(this.store, status), redoable('putLiveStatus'));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.store.close();
    return Promise.resolve();
  }
}

import type { AppendResult, ClaimedUser, EventInbox, IncomingEvent, InboxRetryPolicy, SettleTotals, UserSettlement } from '../ledger/inbox.ts';
import type { Outcome } from '../model/index.ts';
import type { PlannedUser, SingleUserTarget } from '../targets/target.ts';
import { AimdLimiter } from '../delivery/aimd.ts';
import { planUser, type UserPlan } from './plan.ts';

export interface ApplierOptions {
  inbox: EventInbox;
  target: SingleUserTarget;
  owner: string;
  batchSize: number;
  maxEventsPerUser: number;
  concurrency: { initial: number; max: number };
  leaseMs: number;
  retry: InboxRetryPolicy;
  pollMs: number;
  /**
   * Users leased as their events were appended, held in memory until a worker takes them (default:
   * two rounds of every worker, 2 × batchSize × concurrency.max; 0 turns it off).
   */
  handoffUsers?: number | undefined;
  /** Least wait before a user whose call got no answer is sent again (the call may still land). */
  resendHoldMs?: number;
  /** Called after each settle with the events applied and their ages (ms since received / since the change). */
  onSettled?: (totals: SettleTotals, lags: { receivedMs: number[]; changeMs: number[] }) => void;
  onThrottle?: () => void;
}

type Step = { plan: UserPlan; claimed: ClaimedUser };

/**
 * The apply loop: claim users with due events under lease, plan each, send the upserts of all
 * claimed users as one bulk call and the deletes as one remove call, then settle every user in one
 * inbox transaction. Concurrency adapts to the target's push-back (AIMD), as in the bulk engine.
 */
export class Applier {
  private readonly limiter: AimdLimiter;
  private wakeUp: (() => void) | undefined;
  private fatal: unknown;
  private inFlight = 0;
  /** Users leased by `append`, oldest first, waiting for a worker; `reserved` is room promised to appends on their way. */
  private ready: ClaimedUser[] = [];
  private reserved = 0;
  private readonly readyCapacity: number;
  private running = false;
  /** The last claim from the inbox came back full: users wait there, and they go first (see `append`). */
  private behind = false;

  constructor(private readonly o: ApplierOptions) {
    this.limiter = new AimdLimiter({ initial: o.concurrency.initial, max: o.concurrency.max });
    this.readyCapacity = o.handoffUsers ?? 2 * o.batchSize * o.concurrency.max;
  }

  /**
   * Appends `events` to the inbox. While the loop keeps up (its last claim from the inbox was not
   * full) and its in-memory queue has room, the same transaction leases the users that had nothing
   * pending, and they go to that queue with the events in hand: no claim reads them back. Users with
   * older pending events wait in the inbox for a claim. Behind a backlog every user waits its turn
   * there: it then collects more of its events per call (measured: handing users off while draining
   * a backlog cost ~20 % more CPU per event).
   */
  async append(events: IncomingEvent[]): Promise<AppendResult> {
    const { inbox } = this.o;
    const room = this.running && !this.behind && inbox.appendAndClaim ? Math.max(0, this.readyCapacity - this.ready.length - this.reserved) : 0;
    if (room === 0) {
      const r = await inbox.append(events);
      if (r.accepted > 0) this.wake();
      return r;
    }
    this.reserved += room;
    try {
      const next = { maxUsers: room, leaseMs: this.o.leaseMs, maxEventsPerUser: this.o.maxEventsPerUser };
      const { claimed, ...r } = await inbox.appendAndClaim!(events, this.o.owner, next);
      this.ready.push(...claimed);
      if (r.accepted > 0) this.wake();
      return r;
    } finally {
      this.reserved -= room;
    }
  }

  /** New events are in the inbox: stop waiting for the poll interval. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  limiterSnapshot(): ReturnType<AimdLimiter['snapshot']> {
    return this.limiter.snapshot();
  }

  /** Runs until `signal` aborts (in-flight calls finish and settle) or a fatal target error. */
  async run(signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const wakeOnAbort = () => {
      this.running = false;
      this.wake();
    };
    both.addEventListener('abort', wakeOnAbort);
    this.running = !both.aborted;
    const worker = async (): Promise<void> => {
      // Users claimed together with the last settle (see `applyBatch`), still to be sent.
      let ahead: ClaimedUser[] = [];
      while (!both.aborted) {
        let epoch: number;
        try {
          epoch = await this.limiter.acquire(both);
        } catch {
          return;
        }
        let claimed: ClaimedUser[];
        // Users leased at append and users waiting in the inbox take turns (see `applyBatch`), so
        // neither starves the other while both have work.
        let fromReady = false;
        try {
          if (ahead.length > 0) claimed = ahead;
          else if (this.ready.length > 0) {
            claimed = this.ready.splice(0, this.o.batchSize);
            fromReady = true;
          } else claimed = this.fromInbox(await this.o.inbox.claim(this.o.owner, this.o.batchSize, this.o.leaseMs, this.o.maxEventsPerUser));
          ahead = [];
        } catch (err) {
          this.limiter.release();
          this.fatal ??= err;
          stop.abort(err);
          return;
        }
        if (claimed.length === 0) {
          this.limiter.release();
          await this.idle(both);
          continue;
        }
        this.inFlight += 1;
        try {
          ahead = await this.applyBatch(claimed, epoch, both, fromReady || this.ready.length === 0);
        } catch (err) {
          this.fatal ??= err;
          stop.abort(err);
          // Leases of a crashed batch are released on shutdown; the events stay pending.
          return;
        } finally {
          this.inFlight -= 1;
          this.limiter.release();
        }
      }
    };
    const stopRenewing = this.renewLeasesWhileRunning((err) => {
      this.fatal ??= err;
      stop.abort(err);
    });
    await Promise.all(Array.from({ length: this.o.concurrency.max }, worker));
    await stopRenewing();
    both.removeEventListener('abort', wakeOnAbort);
    if (this.fatal !== undefined) throw this.fatal;
  }

  /**
   * A call can outlast a lease (an e-mail swap then an upsert, each up to the target's timeout), and a
   * batch claimed ahead can wait long for a free slot while the target pushes back. If its leases
   * expired meanwhile, another owner (or this one) would take the users over and send them again,
   * possibly a newer version before this older one lands. So every lease this owner holds is renewed
   * three times per lease period while the loop runs; only a stopped owner's leases run out.
   */
  private renewLeasesWhileRunning(onError: (err: unknown) => void): () => Promise<void> {
    const { inbox, owner, leaseMs } = this.o;
    let last: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      // Chained: a renewal never overtakes the one before it.
      last = last.then(() => inbox.renewLeases(owner, leaseMs)).catch(onError);
    }, Math.max(1, Math.floor(leaseMs / 3)));
    timer.unref();
    return async () => {
      clearInterval(timer);
      await last;
    };
  }

  /** Notes whether a claim from the inbox found more users waiting than it could take. */
  private fromInbox(claimed: ClaimedUser[]): ClaimedUser[] {
    this.behind = claimed.length >= this.o.batchSize;
    return claimed;
  }

  private idle(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.wakeUp;
      const t = setTimeout(done, this.o.pollMs);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = () => {
        prev?.();
        done();
      };
    });
  }

  /**
   * Sends one claimed batch and settles it; returns the next batch when it could be claimed in the
   * same transaction. `claimNext` is false after a batch from the inbox while users leased at append
   * wait: the worker takes those next.
   */
  private async applyBatch(claimed: ClaimedUser[], epoch: number, signal: AbortSignal, claimNext: boolean): Promise<ClaimedUser[]> {
    const steps: Step[] = claimed.map((c) => ({ claimed: c, plan: planUser(c) }));
    const outcomes = new Map<string, Outcome>();
    const { target } = this.o;

    // Identifier swaps go first and one by one (rare); a failed swap keeps the user out of the upsert.
    const swaps = steps.filter((s) => s.plan.kind === 'upsert' && s.plan.emailChange !== undefined);
    await Promise.all(
      swaps.map(async (s) => {
        if (s.plan.kind !== 'upsert' || !s.plan.emailChange) return;
        if (!s.plan.known && s.plan.emailChange.previous === undefined) return;
        const o = await target.changeEmail(s.plan.user, s.plan.emailChange.previous);
        if (o.kind !== 'ok') outcomes.set(s.plan.subject, o);
      }),
    );
    const upserts: PlannedUser[] = [];
    const deletes: string[] = [];
    for (const s of steps) {
      if (outcomes.has(s.plan.subject)) continue;
      if (s.plan.kind === 'upsert') upserts.push({ sourceId: s.plan.subject, user: s.plan.user, knownToTarget: s.plan.known });
      else if (s.plan.kind === 'delete') deletes.push(s.plan.subject);
    }
    const [a, b] = await Promise.all([
      upserts.length > 0 ? target.upsert(upserts) : Promise.resolve([]),
      deletes.length > 0 ? target.remove(deletes) : Promise.resolve([]),
    ]);
    for (const o of [...a, ...b]) outcomes.set(o.sourceId, o);

    const throttle = [...outcomes.values()].find((o) => o.kind === 'retryable' && o.throttled);
    if (throttle?.kind === 'retryable') {
      // The limiter's signature is being reworked (Retry-After moving to a pacer); both forms take this call.
      this.limiter.onThrottle(epoch);
      this.o.onThrottle?.();
    } else if (outcomes.size > 0) this.limiter.onSuccess();

    const now = Date.now();
    const lags = { receivedMs: [] as number[], changeMs: [] as number[] };
    const settlements = steps.map((s) => this.settlement(s, outcomes.get(s.plan.subject), now, lags));
    // Claim the next batch in the settle's transaction, unless the target pushed back (this worker
    // may then wait for a slot, and should not hold leases meanwhile) or the loop is stopping.
    const { inbox, owner } = this.o;
    if (claimNext && inbox.settleAndClaim && throttle === undefined && !signal.aborted) {
      const next = { maxUsers: this.o.batchSize, leaseMs: this.o.leaseMs, maxEventsPerUser: this.o.maxEventsPerUser };
      const r = await inbox.settleAndClaim(owner, settlements, this.o.retry, next, now);
      this.o.onSettled?.(r.totals, lags);
      return this.fromInbox(r.claimed);
    }
    const totals = await inbox.settle(owner, settlements, this.o.retry, now);
    this.o.onSettled?.(totals, lags);
    return [];
  }

  private settlement(s: Step, o: Outcome | undefined, now: number, lags: { receivedMs: number[]; changeMs: number[] }): UserSettlement {
    const { plan, claimed } = s;
    if (plan.kind === 'noop') return { subject: plan.subject, kind: 'skipped', skipped: plan.skipped };
    if (o === undefined) return { subject: plan.subject, kind: 'retry', reason: 'no outcome from the target', skipped: plan.skipped };
    if (o.kind === 'ok') {
      const applied = new Set(plan.events);
      for (const ev of claimed.events) {
        if (!applied.has(ev.seq)) continue;
        lags.receivedMs.push(now - ev.receivedAt);
        lags.changeMs.push(now - Date.parse(ev.time));
      }
      return {
        subject: plan.subject,
        kind: 'applied',
        applied: plan.events,
        skipped: plan.skipped,
        version: plan.version,
        tombstone: plan.kind === 'delete',
        email: plan.kind === 'upsert' ? plan.user.email : undefined,
      };
    }
    if (o.kind === 'rejected' || claimed.attempts + 1 >= this.o.retry.maxAttempts) {
      const reason = o.kind === 'rejected' ? o.reason : `out of attempts: ${o.reason}`;
      return { subject: plan.subject, kind: 'dead', events: plan.events, reason, skipped: plan.skipped };
    }
    const hold = o.mayHaveLanded ? (this.o.resendHoldMs ?? 0) : 0;
    const retryAfterMs = hold > 0 ? Math.max(hold, o.retryAfterMs ?? 0) : o.retryAfterMs;
    return { subject: plan.subject, kind: 'retry', reason: o.reason, retryAfterMs, skipped: plan.skipped };
  }
}

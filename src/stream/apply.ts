import type { AppendResult, ClaimedUser, EventInbox, IncomingEvent, InboxRetryPolicy, SettleTotals, UserSettlement } from '../ledger/inbox/inbox.ts';
import type { Outcome } from '../model/index.ts';
import { encodePlanned, type EncodedPlannedUser, type Target } from '../targets/target.ts';
import { AimdLimiter } from '../delivery/aimd.ts';
import type { Materialiser } from './materialise.ts';
import { planUser, type UserPlan } from './plan.ts';

/** What the plan settled without the target, and why: for metrics and the log. */
export interface PlanNotes {
  subject: string;
  skipped: { id: string; version: string }[];
  duplicates: { id: string; version: string }[];
  unusable: { ids: string[]; reason: string }[];
}

/** The target as the apply loop last saw it. */
export interface TargetHealth {
  /** Every call since this time (ms) failed as a whole: refused, reset, timed out, 5xx, 429. */
  downSince: number | undefined;
  reason: string | undefined;
  /** The wait before the next probe call. */
  probeDelayMs: number;
}

export interface ApplierOptions {
  inbox: EventInbox;
  target: Target;
  owner: string;
  batchSize: number;
  maxEventsPerUser: number;
  concurrency: { initial: number; max: number };
  leaseMs: number;
  /**
   * `maxAttempts` counts failures of one user's own (the target refused it, or failed it while others
   * in the same call went through). A failure of the whole call never counts: the target is down,
   * and the users wait for it however long that lasts.
   */
  retry: InboxRetryPolicy;
  /** Longest wait between calls to a target that is down (the probe); the first waits `outageInitialDelayMs`. */
  outageMaxDelayMs?: number;
  outageInitialDelayMs?: number;
  pollMs: number;
  /** Turns a user's merged state into the canonical user (mapping). */
  materialise: Materialiser;
  /** Deletes sent per rolling minute; beyond it the users wait for an operator (`held`). Off when absent or 0. */
  maxDeletesPerMinute?: number | undefined;
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
  /** Events the plan settled without the target (skipped, duplicate, unusable), with their ids. */
  onPlanNotes?: (notes: PlanNotes) => void;
  /** The target stopped answering, or answers again. */
  onTargetHealth?: (health: TargetHealth, event: 'down' | 'up', woken?: number) => void;
  /** A delete was held by the delete cap. */
  onDeleteHeld?: (subject: string) => void;
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
  /** Set while the target fails every call: one worker probes it, the others wait (see `applyBatch`). */
  private outage: { since: number; reason: string; delayMs: number; nextProbeAt: number; probing: boolean } | undefined;
  /** When the deletes of the last minute were sent, for the delete cap. */
  private readonly deletesSent: number[] = [];

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

  targetHealth(): TargetHealth {
    const o = this.outage;
    return { downSince: o?.since, reason: o?.reason, probeDelayMs: o?.delayMs ?? 0 };
  }

  /**
   * While the target is down only one call at a time goes out, once per probe delay; the other
   * workers wait here (woken when the probe comes back). Returns when there is no outage, or when it
   * is this worker's turn to probe (then `outage.probing` is set).
   */
  private async waitOutOutage(signal: AbortSignal): Promise<void> {
    for (;;) {
      const o = this.outage;
      if (!o || signal.aborted) return;
      const wait = o.nextProbeAt - Date.now();
      if (!o.probing && wait <= 0) {
        o.probing = true;
        return;
      }
      await this.idle(signal, o.probing ? this.o.pollMs * 4 : Math.max(1, wait));
    }
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
        await this.waitOutOutage(both);
        if (both.aborted) return;
        const probing = this.outage?.probing === true;
        let epoch: number;
        try {
          epoch = await this.limiter.acquire(both);
        } catch {
          if (probing && this.outage) this.outage.probing = false;
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
          // Nothing to probe with: the next probe may go as soon as something is due.
          if (probing && this.outage) {
            this.outage.probing = false;
            this.outage.nextProbeAt = 0;
          }
          await this.idle(both);
          continue;
        }
        this.inFlight += 1;
        try {
          ahead = await this.applyBatch(claimed, epoch, both, fromReady || this.ready.length === 0);
          if (probing && this.outage) this.outage.probing = false;
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

  private idle(signal: AbortSignal, ms = this.o.pollMs): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.wakeUp;
      const t = setTimeout(done, ms);
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
    const steps: Step[] = claimed.map((c) => ({ claimed: c, plan: planUser(c, this.o.materialise) }));
    const outcomes = new Map<string, Outcome>();
    const held = new Set<string>();
    const { target } = this.o;
    for (const s of steps) this.notePlan(s);

    // Identifier swaps go first and one by one (rare); a failed swap keeps the user out of the upsert.
    const swaps = steps.filter((s) => s.plan.kind === 'upsert' && s.plan.emailChange !== undefined);
    await Promise.all(
      swaps.map(async (s) => {
        if (s.plan.kind !== 'upsert' || !s.plan.emailChange) return;
        if (!s.plan.known && s.plan.emailChange.previous === undefined) return;
        const o = await target.changeEmail?.(s.plan.user, s.plan.emailChange.previous);
        if (o !== undefined && o.kind !== 'ok') outcomes.set(s.plan.subject, o);
      }),
    );
    const upserts: EncodedPlannedUser[] = [];
    const deletes: string[] = [];
    for (const s of steps) {
      if (outcomes.has(s.plan.subject)) continue;
      // The inbox keeps a user's state, not what the target lost of it: `removed` is unknown.
      if (s.plan.kind === 'upsert') upserts.push(encodePlanned(target, { sourceId: s.plan.subject, user: s.plan.user, knownToTarget: s.plan.known, removed: 'unknown' }));
      else if (s.plan.kind === 'delete') {
        if (s.claimed.deleteReleased || this.deleteAllowed()) deletes.push(s.plan.subject);
        else {
          held.add(s.plan.subject);
          this.o.onDeleteHeld?.(s.plan.subject);
        }
      }
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

    // Whole-call failures: every user that went out failed without the target deciding anything about
    // it (refused connection, reset, timeout, 5xx, 429). That is the target being down, not these users.
    const sent = [...outcomes.values()];
    const callFailed = sent.length > 0 && sent.every((o) => o.kind === 'retryable');
    const now = Date.now();
    if (callFailed) this.noteDown(now, sent[0]!.kind === 'retryable' ? sent[0]!.reason : 'target failed');
    else if (sent.length > 0 && this.outage) await this.noteUp(now);

    const lags = { receivedMs: [] as number[], changeMs: [] as number[] };
    const settlements = steps.map((s) => this.settlement(s, outcomes.get(s.plan.subject), held.has(s.plan.subject), callFailed, now, lags));
    // Claim the next batch in the settle's transaction, unless the target pushed back (this worker
    // may then wait for a slot, and should not hold leases meanwhile) or the loop is stopping.
    const { inbox, owner } = this.o;
    if (claimNext && inbox.settleAndClaim && throttle === undefined && !callFailed && !signal.aborted) {
      const next = { maxUsers: this.o.batchSize, leaseMs: this.o.leaseMs, maxEventsPerUser: this.o.maxEventsPerUser };
      const r = await inbox.settleAndClaim(owner, settlements, this.o.retry, next, now);
      this.o.onSettled?.(r.totals, lags);
      return this.fromInbox(r.claimed);
    }
    const totals = await inbox.settle(owner, settlements, this.o.retry, now);
    this.o.onSettled?.(totals, lags);
    return [];
  }

  /** Within the delete cap (a rolling minute): counts the delete when it is. */
  private deleteAllowed(): boolean {
    const cap = this.o.maxDeletesPerMinute;
    if (!cap) return true;
    const now = Date.now();
    while (this.deletesSent.length > 0 && this.deletesSent[0]! <= now - 60_000) this.deletesSent.shift();
    if (this.deletesSent.length >= cap) return false;
    this.deletesSent.push(now);
    return true;
  }

  private noteDown(now: number, reason: string): void {
    const first = this.o.outageInitialDelayMs ?? 1_000;
    const max = this.o.outageMaxDelayMs ?? 30_000;
    if (!this.outage) {
      this.outage = { since: now, reason, delayMs: first, nextProbeAt: now + first, probing: false };
      this.o.onTargetHealth?.(this.targetHealth(), 'down');
      return;
    }
    const o = this.outage;
    o.reason = reason;
    o.delayMs = Math.min(max, o.delayMs * 2);
    // Jitter, so several sync processes do not probe in step.
    o.nextProbeAt = now + Math.round(o.delayMs * (0.75 + Math.random() * 0.25));
  }

  /** The target answered: every user waiting for a retry is due now, and all workers go at once. */
  private async noteUp(now: number): Promise<void> {
    const was = this.targetHealth();
    this.outage = undefined;
    const woken = await this.o.inbox.wakeRetrying(now);
    this.o.onTargetHealth?.(was, 'up', woken);
    this.wake();
  }

  private notePlan(s: Step): void {
    const { plan, claimed } = s;
    if (!this.o.onPlanNotes || (plan.skipped.length === 0 && plan.duplicates.length === 0 && plan.unusable.length === 0)) return;
    const bySeq = new Map(claimed.events.map((e) => [e.seq, e]));
    const pick = (seqs: number[]) => seqs.map((q) => ({ id: bySeq.get(q)?.id ?? String(q), version: bySeq.get(q)?.version ?? '' }));
    this.o.onPlanNotes({
      subject: plan.subject,
      skipped: pick(plan.skipped),
      duplicates: pick(plan.duplicates),
      unusable: plan.unusable.map((u) => ({ ids: u.seqs.map((q) => bySeq.get(q)?.id ?? String(q)), reason: u.reason })),
    });
  }

  private settlement(
    s: Step,
    o: Outcome | undefined,
    held: boolean,
    callFailed: boolean,
    now: number,
    lags: { receivedMs: number[]; changeMs: number[] },
  ): UserSettlement {
    const { plan, claimed } = s;
    const extras = { skipped: plan.skipped, duplicates: plan.duplicates, unusable: plan.unusable };
    if (plan.kind === 'noop') return { subject: plan.subject, kind: 'skipped', ...extras };
    if (held) return { subject: plan.subject, kind: 'held', reason: 'delete cap reached', ...extras };
    if (o === undefined) return { subject: plan.subject, kind: 'retry', reason: 'no outcome from the target', ...extras };
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
        version: plan.version,
        digests: plan.digests,
        tombstone: plan.kind === 'delete',
        email: plan.kind === 'upsert' ? plan.user.email : undefined,
        state: plan.kind === 'upsert' ? plan.state : null,
        ...extras,
      };
    }
    const counts = o.kind === 'retryable' && !callFailed;
    if (o.kind === 'rejected' || (counts && claimed.attempts + 1 >= this.o.retry.maxAttempts)) {
      const reason = o.kind === 'rejected' ? o.reason : `out of attempts: ${o.reason}`;
      return { subject: plan.subject, kind: 'dead', events: plan.events, reason, ...extras };
    }
    const hold = o.mayHaveLanded ? (this.o.resendHoldMs ?? 0) : 0;
    // A target that is down: its users are due at the next probe (they go when it answers again).
    const wait = callFailed ? Math.max(this.outage?.delayMs ?? 0, o.retryAfterMs ?? 0) : o.retryAfterMs;
    const retryAfterMs = hold > 0 ? Math.max(hold, wait ?? 0) : wait;
    return { subject: plan.subject, kind: 'retry', reason: o.reason, retryAfterMs, counts, holdUntil: hold > 0 ? now + hold : undefined, ...extras };
  }
}

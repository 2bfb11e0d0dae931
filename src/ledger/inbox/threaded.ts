import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startTsWorker } from '../../runtime/ts-worker.ts';
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
import type { Answer, InboxCall } from './group-commit.ts';
import type { SqliteInboxOptions } from './sqlite-store.ts';
import { fromAppendClaims, fromRows, toStored, type AppendOutcome, type ClaimedRow } from './wire.ts';

/**
 * A group of appends stays alive while it commits (under a backlog ~20,000 events and most of a
 * second), and each scavenge meanwhile copied it: with V8's default young generation the inbox
 * thread spent ~10 % of its time collecting, with 128 MB 2 % (BENCHMARKS.md, session 13), for
 * ~60 MB more peak RSS. This thread is the sync's busiest.
 */
const INBOX_HEAP = { maxYoungGenerationSizeMb: 128 };

/**
 * The SQLite inbox on a thread of its own, so its statements and fsyncs run beside the decoding,
 * payload building and HTTP of the main thread instead of between them; and since calls queue up
 * there while a commit is in progress, they commit in groups. Same contract, same file.
 *
 * Payloads cross as JSON text (serialized here, parsed here): cheaper to copy than objects, and the
 * inbox stores text anyway. The retry policy's backoff function stays here: only its result crosses.
 */
export class ThreadedSqliteInbox implements EventInbox {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor(file: string, options: SqliteInboxOptions = {}) {
    this.worker = startTsWorker(siblingModule(import.meta.url, 'worker'), { file, options }, INBOX_HEAP);
    this.worker.on('message', (m: { id: number; answer: Answer }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.answer.ok) p.resolve(m.answer.result);
      else p.reject(new Error(m.answer.error));
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`inbox thread exited (${code})`)));
  }

  private send<T>(message: { call: InboxCall } | { close: true }): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  /** How busy the inbox thread was (benchmarks: which thread is the bottleneck). */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization {
    return this.worker.performance.eventLoopUtilization(since);
  }

  private call<T>(call: InboxCall): Promise<T> {
    return this.send({ call });
  }

  append(events: IncomingEvent[], now?: number): Promise<AppendResult> {
    return this.call({ method: 'append', args: [toStored(events), now] });
  }

  async appendAndClaim(events: IncomingEvent[], owner: string, next: NextClaim, now?: number): Promise<AppendResult & { claimed: ClaimedUser[] }> {
    const stored = toStored(events);
    const { claimed, ...r } = await this.call<AppendOutcome>({ method: 'append', args: [stored, now, { owner, ...next }] });
    return { ...r, claimed: fromAppendClaims(events, claimed, stored) };
  }

  async claim(owner: string, maxUsers: number, leaseMs: number, maxEventsPerUser = 100, now?: number): Promise<ClaimedUser[]> {
    return fromRows(await this.call<ClaimedRow[]>({ method: 'claim', args: [{ owner, maxUsers, leaseMs, maxEventsPerUser }, now] }));
  }

  async settle(owner: string, settlements: UserSettlement[], policy: InboxRetryPolicy, now?: number): Promise<SettleTotals> {
    return this.call({ method: 'settle', args: [owner, await this.resolveBackoff(settlements, policy), policy.maxAttempts, now] });
  }

  async settleAndClaim(
    owner: string,
    settlements: UserSettlement[],
    policy: InboxRetryPolicy,
    next: NextClaim,
    now?: number,
  ): Promise<{ totals: SettleTotals; claimed: ClaimedUser[] }> {
    const plain = await this.resolveBackoff(settlements, policy);
    const r = await this.call<{ totals: SettleTotals; claimed: ClaimedRow[] }>({
      method: 'settleAndClaim',
      args: [owner, plain, policy.maxAttempts, { owner, ...next }, now],
    });
    return { totals: r.totals, claimed: fromRows(r.claimed) };
  }

  /** Retries without a delay from the target get one from the policy, which needs their attempts so far. */
  private async resolveBackoff(settlements: UserSettlement[], policy: InboxRetryPolicy): Promise<UserSettlement[]> {
    const open = settlements.filter((s) => s.kind === 'retry' && s.retryAfterMs === undefined).map((s) => s.subject);
    if (open.length === 0) return settlements;
    const attempts = await this.call<Record<string, number>>({ method: 'attemptsOf', args: [open] });
    return settlements.map((s) =>
      s.kind === 'retry' && s.retryAfterMs === undefined ? { ...s, retryAfterMs: policy.backoffMs?.((attempts[s.subject] ?? 0) + 1) ?? 1000 } : s,
    );
  }

  renewLeases(owner: string, leaseMs: number, now = Date.now()): Promise<number> {
    return this.call({ method: 'renewLeases', args: [owner, now + leaseMs] });
  }
  releaseOwner(owner: string): Promise<void> {
    return this.call<number>({ method: 'releaseOwner', args: [owner] }).then(() => undefined);
  }
  releaseDeadOwners(_isAlive: (owner: string) => boolean, holdUntil?: number): Promise<number> {
    return this.call({ method: 'releaseDeadOwners', args: [holdUntil] });
  }
  stats(now?: number): Promise<InboxStats> {
    return this.call({ method: 'stats', args: [now] });
  }
  backlog(now?: number): Promise<{ backlog: number; lagMs: number; heldEvents: number }> {
    return this.call({ method: 'backlog', args: [now] });
  }
  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.call({ method: 'deadLetters', args: [limit] });
  }
  prune(before: number, limit?: number): Promise<number> {
    return this.call({ method: 'prune', args: [before, limit] });
  }
  scrub(limit?: number): Promise<number> {
    return this.call({ method: 'scrub', args: [limit] });
  }
  retryDead(): Promise<number> {
    return this.call({ method: 'retryDead', args: [] });
  }
  releaseDeletes(): Promise<number> {
    return this.call({ method: 'releaseDeletes', args: [] });
  }
  wakeRetrying(now?: number): Promise<number> {
    return this.call({ method: 'wakeRetrying', args: [now] });
  }
  putLiveStatus(status: SyncLiveStatus): Promise<void> {
    return this.call({ method: 'putLiveStatus', args: [status] });
  }
  async close(): Promise<void> {
    if (!this.failed) await this.send({ close: true });
    await this.worker.terminate();
  }
}

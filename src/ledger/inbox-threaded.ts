import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  AppendResult,
  ClaimedUser,
  DeadLetter,
  EventInbox,
  InboxRetryPolicy,
  InboxStats,
  IncomingEvent,
  SettleTotals,
  UserSettlement,
} from './inbox.ts';
import type { SqliteInboxOptions } from './inbox-sqlite.ts';

/**
 * The SQLite inbox on a thread of its own, so its statements run beside the decoding, payload
 * building and HTTP of the main thread instead of between them. Same contract, same file; calls
 * are answered in order. The retry policy's backoff function stays here: only its result crosses.
 */
export class ThreadedSqliteInbox implements EventInbox {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor(file: string, options: SqliteInboxOptions = {}) {
    this.worker = startWorker(new URL(`./inbox-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url), { file, options });
    this.worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`inbox thread exited (${code})`)));
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  append(events: IncomingEvent[], now?: number): Promise<AppendResult> {
    return this.call('append', events, now);
  }
  claim(owner: string, maxUsers: number, leaseMs: number, maxEventsPerUser?: number, now?: number): Promise<ClaimedUser[]> {
    return this.call('claim', owner, maxUsers, leaseMs, maxEventsPerUser, now);
  }
  async settle(owner: string, settlements: UserSettlement[], policy: InboxRetryPolicy, now?: number): Promise<SettleTotals> {
    // Resolve backoff delays here (the policy is a function); the worker gets plain numbers.
    const resolved = settlements.map((s) => (s.kind === 'retry' && s.retryAfterMs === undefined ? { ...s, backoffFrom: true } : s));
    const attempts = resolved.some((s) => 'backoffFrom' in s) ? await this.call<Record<string, number>>('attemptsOf', resolved.filter((s) => 'backoffFrom' in s).map((s) => s.subject)) : {};
    const plain = resolved.map((s) => {
      if (!('backoffFrom' in s)) return s;
      const { backoffFrom: _b, ...rest } = s;
      return { ...rest, retryAfterMs: policy.backoffMs?.((attempts[s.subject] ?? 0) + 1) ?? 1000 };
    });
    return this.call('settle', owner, plain, { maxAttempts: policy.maxAttempts }, now);
  }
  releaseOwner(owner: string): Promise<void> {
    return this.call('releaseOwner', owner);
  }
  releaseDeadOwners(): Promise<number> {
    return this.call('releaseDeadOwners');
  }
  stats(now?: number): Promise<InboxStats> {
    return this.call('stats', now);
  }
  backlog(now?: number): Promise<{ backlog: number; lagMs: number }> {
    return this.call('backlog', now);
  }
  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.call('deadLetters', limit);
  }
  prune(before: number, limit?: number): Promise<number> {
    return this.call('prune', before, limit);
  }
  retryDead(): Promise<number> {
    return this.call('retryDead');
  }
  async close(): Promise<void> {
    if (!this.failed) await this.call('close');
    await this.worker.terminate();
  }
}

/**
 * Node 20 does not run `--import tsx` hooks inside worker threads before their entry loads, so a
 * .ts worker starts from a CommonJS bootstrap that installs tsx's require hook first.
 */
function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const entry = fileURLToPath(url);
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, { eval: true, workerData });
}

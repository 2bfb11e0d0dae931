import type { Outcome, User } from '../model/index.ts';
import type { RemovedField } from '../model/removed.ts';

/** Where a legacy user stands in the migration. */
export type LedgerState =
  | 'pending' // waiting to be sent (new, changed, or retry after backoff)
  | 'leased' // claimed by a worker; the lease expires if the worker dies
  | 'synced' // the target has the current fingerprint
  | 'dead' // refused by the target or out of attempts; `retry` puts it back
  | 'deleted'; // removed from the target after it disappeared from the source

export type StageResult =
  /** To be sent. `leased`: already leased to the staging run, which sends it without a claim. */
  | {
      kind: 'new' | 'changed';
      leased: boolean;
      knownToTarget: boolean;
      /** Fields the source dropped since the target last had the user (see model/removed.ts). */
      removed?: RemovedField[];
    }
  | { kind: 'unchanged' | 'queued' | 'dead' }
  | { kind: 'duplicate'; firstPosition: string };

export interface StagedUser {
  sourceId: string;
  /** The user as JSON; its hash is the fingerprint, and it is what the ledger stores. */
  json: string;
  fingerprint: string;
  position: string;
}

/** Lease new and changed users to this owner while staging them (see `Ledger.stage`). */
export interface StageLease {
  owner: string;
  until: number;
}

export interface ClaimedItem {
  sourceId: string;
  op: 'upsert' | 'delete';
  fingerprint: string;
  user: User | undefined;
  /** The payload still as JSON, parsed only when the call is made (keeps waiting batches small). */
  json?: string;
  knownToTarget: boolean;
  attempts: number;
  /** Fields the source dropped since the target last had the user, for targets that must clear them. */
  removed?: readonly RemovedField[];
}

export interface Batch {
  owner: string;
  items: ClaimedItem[];
}

export interface SettleSummary {
  created: number;
  updated: number;
  deleted: number;
  retried: number;
  dead: number;
}

export interface LedgerStats {
  total: number;
  byState: Record<LedgerState, number>;
  /** Users refused by the target or out of attempts, grouped by reason. */
  deadByReason: { reason: string; count: number }[];
  /** Earliest time a pending user may be sent again (backoff), if any is waiting. */
  nextDueAt: number | undefined;
  runs: RunRecord[];
}

export interface RunRecord {
  id: number;
  kind: string;
  startedAt: string;
  finishedAt: string | undefined;
  status: string;
  summary: Record<string, unknown>;
}

export interface SourceReject {
  position: string;
  sourceId: string | undefined;
  reason: string;
}

export interface LedgerEntry {
  fingerprint: string;
  state: LedgerState;
  op: 'upsert' | 'delete';
  /** The target's or the retry policy's last word on a failed user (dead letters). */
  reason?: string;
}

/** Cumulative delivery counters of a run at one moment, for the report's throughput chart. */
export interface ProgressPoint {
  t: number;
  created: number;
  updated: number;
  deleted: number;
  dead: number;
  retried: number;
  calls: number;
  throttled: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before attempt n+1 (n >= 1), used when the target gave no Retry-After. */
  backoffMs(attempt: number): number;
}

/** Meta key: the id of the last run that read the whole source, so that its `seen_run` marks who is still there. */
export const LAST_FULL_READ_KEY = 'last_full_read_run';

export interface RetryDeadResult {
  requeued: number;
  /** Dead letters left alone because the last full read of the source no longer had them. */
  goneFromSource: number;
  /** The run whose full read decided `goneFromSource`; undefined when no run recorded one yet. */
  fullReadRun: number | undefined;
}

/** A user the target refused or that ran out of attempts; the e-mail only when asked for (PII). */
export interface DeadLetter {
  sourceId: string;
  reason: string;
  code: string | undefined;
  email?: string;
}

/**
 * The durable record of the migration and its work queue. SQLite and PostgreSQL implement the
 * same contract (test/ledger/contract.ts); everything that resumes, diffs, retries or reports reads
 * it. Every call is asynchronous so that a networked ledger fits; callers make one call per chunk
 * or batch of users, never one per user, so a round trip is paid per batch.
 */
export interface Ledger {
  /** For an embedded ledger: its file, which another thread of this process may open too. */
  readonly file?: string;
  /**
   * Exclusive ownership for one run; releases leases left behind by a dead owner, and marks the runs
   * it left `running` (a process killed with -9 never finishes its run) as `interrupted`.
   */
  acquire(owner: string): Promise<void>;
  release(owner: string): Promise<void>;
  /** Small durable settings of the migration, e.g. the incremental source cursor. */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  beginRun(kind: string): Promise<number>;
  finishRun(runId: number, status: string, summary: Record<string, unknown>): Promise<void>;
  /**
   * Record a chunk of the source. New and changed users become pending, or with `lease` are leased
   * to that owner at once, for a run that hands them to its delivery in memory.
   */
  stage(runId: number, users: StagedUser[], lease?: StageLease): Promise<StageResult[]>;
  /**
   * Users the run read but holds back (they share an identifier with another user): seen in this
   * run, so never taken for deleted at the source; one still queued from an earlier run is
   * dead-lettered with `reason` instead of sent.
   */
  hold(runId: number, users: Array<{ sourceId: string; position: string; reason: string }>): Promise<void>;
  recordRejects(runId: number, rejects: SourceReject[]): Promise<void>;
  rejectsOf(runId: number, limit?: number): Promise<SourceReject[]>;
  /** Read-only lookup for `plan`: what the ledger knows of these users. */
  peek(sourceIds: string[]): Promise<Map<string, LedgerEntry>>;
  /**
   * Legacy ids the target has (synced or dead-lettered after an earlier success), for delete
   * planning, in pages in staging order. Nothing is held open between pages: the ledger may be
   * written while a caller works through them.
   */
  syncedIds(pageSize?: number): AsyncIterable<string[]>;
  recordProgress(runId: number, point: ProgressPoint): Promise<void>;
  /** Invalid source records of a run, grouped by reason. */
  rejectReasons(runId: number): Promise<{ reason: string; count: number }[]>;
  /** Dead-lettered users with their reasons; the e-mail only when asked for (PII). */
  deadLetters(limit: number, includeEmail: boolean): Promise<DeadLetter[]>;
  progressOf(runId: number): Promise<ProgressPoint[]>;
  claim(owner: string, max: number, leaseMs: number, now?: number): Promise<Batch>;
  settle(batch: Batch, outcomes: Outcome[], policy: RetryPolicy, now?: number): Promise<SettleSummary>;
  /** Users that were in the ledger but not in the source of `runId`, i.e. deleted at the source. */
  missingFrom(runId: number): Promise<{ count: number; sample: string[] }>;
  /** Users the target holds now (an earlier call succeeded and no delete since): what a delete share is a share of. */
  heldByTarget(): Promise<number>;
  queueDeletes(runId: number): Promise<number>;
  /**
   * Put users back in the queue with these payloads (`verify --requeue`), creating the ones the
   * ledger does not know; a user leased by a running process is left to it. `absentFromTarget`:
   * users the target does not have, so their next send counts as a creation. Returns how many.
   */
  requeue(users: StagedUser[], absentFromTarget: ReadonlySet<string>): Promise<number>;
  /**
   * Put dead letters back in the queue, those whose reason contains `reason` if given. Users the last
   * full read of the source (`LAST_FULL_READ_KEY`) did not see have left the source: they stay dead
   * and are counted apart, never sent again.
   */
  retryDead(filter?: { reason?: string }): Promise<RetryDeadResult>;
  /** Whether users wait in the queue (leases are their holder's own business). */
  hasPending(): Promise<boolean>;
  /** Earliest time a pending user may be sent again, if any is waiting. */
  nextDueAt(): Promise<number | undefined>;
  stats(): Promise<LedgerStats>;
  /**
   * For an embedded ledger: keep write-ahead-log maintenance (copying it back, fsyncs) off the
   * calling thread while a run writes, from `afterMs` on; returns how to stop it.
   */
  checkpointInBackground?(options?: { afterMs?: number }): () => Promise<void>;
  close(): Promise<void>;
}

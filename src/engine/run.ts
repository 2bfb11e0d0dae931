import type { MigrationConfig } from '../config/schema.ts';
import type { CensusReport } from '../hashes/census.ts';
import type { Ledger, SourceReject } from '../ledger/index.ts';
import { LAST_FULL_READ_KEY, newOwnerId } from '../ledger/index.ts';
import type { Mapper } from '../mapping/index.ts';
import type { Source } from '../sources/source.ts';
import type { Target } from '../targets/target.ts';
import { backoffWithJitter } from '../delivery/backoff.ts';
import { targetCensus } from './census.ts';
import { decideDeletes, type DeleteDecision, type DeletePolicy } from './deletes.ts';
import { deliver, handBack, type DeliverTotals } from './deliver.ts';
import { identifierCheck } from './identifier-policy.ts';
import { ReadyQueue } from './ready-queue.ts';
import { stageSource, type StageCounts } from './stage.ts';
import { stageInThread } from './stage-thread.ts';
import { Stager } from './stager.ts';

const CURSOR_KEY = 'source_cursor';
/**
 * The checkpoint thread starts once the run is under way: its start-up would compete with the
 * staging thread's and delay the first call, and the WAL needs no copying in the first second.
 */
const CHECKPOINT_THREAD_AFTER_MS = 1000;
/** Full batches that wait in memory for a delivery worker, beyond the one each worker holds. */
const READY_BATCHES = 2;

export interface RunDependencies {
  config: MigrationConfig;
  ledger: Ledger;
  source: Source;
  mapper: Mapper;
  target: Target;
  signal?: AbortSignal;
  /** Delete users that disappeared from the source, within this safety cap; off when absent. */
  deletes?: DeletePolicy;
  /** Read the whole source even when it could read only what changed since the last run. */
  full?: boolean;
  /** Folder the config's relative paths resolve against; lets staging run on its own thread. */
  baseDir?: string;
  onStageProgress?: (counts: StageCounts) => void;
  onDeliverProgress?: (totals: DeliverTotals, queued: number) => void;
}

/** Measured in a run and kept in its history, for `plan`'s estimate of the next one. */
export interface RunTiming {
  /** Records read from the source, and how long reading them took (the run's staging). */
  read: number;
  stagingMs: number;
  calls: number;
  batches: number;
  /** Summed over the batches: what one batch took on average is sendMs / batches. */
  sendMs: number;
  maxConcurrency: number;
}

export interface RunSummary {
  runId: number;
  status: 'completed' | 'interrupted';
  staged: StageCounts;
  delivered: DeliverTotals;
  /** Invalid source records of this run (first 1000), each with its position and reason. */
  rejects: SourceReject[];
  /** Users dead-lettered in the ledger after this run (this run's and earlier ones). */
  deadLetters: number;
  deadByReason: { reason: string; count: number }[];
  /** Users that vanished from the source; deleted only with `--deletes`. */
  missingFromSource: number;
  deletes: DeleteDecision;
  /** True when only records changed since the previous run were read (see `--full`). */
  incremental: boolean;
  /** Extra calls spent isolating refused records (targets without per-user results). */
  bisectionCalls: number;
  durationMs: number;
  usersPerSecond: number;
  maxConcurrency: number;
  /**
   * Windows of calls in which the target queued calls (they took over `run.queueingTolerance` times
   * as long as the fastest call so far), so concurrency stopped growing or stepped down.
   */
  queueingWindows: number;
  /** Most memory the process held so far (resident set, all threads), for sizing the machine. */
  peakRssMb: number;
  /** CPU time the process used so far (user + system, all threads), for sizing the machine. */
  cpuSeconds: number;
}

/**
 * One bulk or delta run: stage the source into the ledger (only changed users become pending),
 * then drain the queue into the target. Resumable: a killed run leaves leases that the next run
 * takes back, and staged-but-unsent users are still pending.
 */
export async function runMigration(deps: RunDependencies): Promise<RunSummary> {
  const { config, ledger, target, signal } = deps;
  const owner = newOwnerId();
  const started = Date.now();
  await ledger.acquire(owner);
  // What the target holds before this run adds anyone: the delete cap's share is a share of these.
  const heldAtStart = deps.deletes ? await ledger.heldByTarget() : 0;
  const stopCheckpoints = ledger.checkpointInBackground?.({ afterMs: CHECKPOINT_THREAD_AFTER_MS });
  const runId = await ledger.beginRun('run');
  // Staging stops when the user interrupts and when delivery has failed for good (auth refused,
  // target gone): reading the rest of a large source would only delay the error.
  const stopStaging = new AbortController();
  const opened = target.open?.() ?? Promise.resolve();
  // Read by delivery below; until then a failure must not count as unhandled.
  opened.catch(() => undefined);
  const stagingSignal = signal ? AbortSignal.any([signal, stopStaging.signal]) : stopStaging.signal;
  try {
    let stagingDone = false;
    const since = deps.full ? undefined : await ledger.getMeta(CURSOR_KEY);
    const incremental = since !== undefined;
    let deleteDecision: DeleteDecision = { kind: 'none' };
    let stagingMs: number | undefined;
    let toSend = 0;
    let lastPoint = 0;
    const onChunk = (counts: StageCounts) => {
      toSend = counts.new + counts.changed + counts.queued;
      deps.onStageProgress?.(counts);
    };
    const batchSize = Math.min(config.target.batchSize, target.capabilities.maxBatch);
    // New and changed users go from staging to delivery in memory, already leased in the ledger.
    // Every delivery worker (one per call slot and two prefetching) already holds its next batch, so
    // two more batches here are enough to refill a freed worker at once while staging catches up.
    // One batch per worker here as well held ~8,000 more users than that in a 2M-user run (peak RSS
    // 283–294 MB against 269–275 MB) at the same throughput, also against a latency-bound target.
    const ready = new ReadyQueue(batchSize * READY_BATCHES);
    const stager = new Stager({ ledger, runId, handoff: { owner, leaseMs: config.run.leaseMs, ready } });
    const policy = config.run.duplicateIdentifiers;
    const stageInProcess = async (): Promise<{ counts: StageCounts; census: CensusReport }> => {
      const { census, add } = targetCensus(target);
      const identifiers = await identifierCheck(policy, {
        source: deps.source,
        mapper: deps.mapper,
        signal: stagingSignal,
        ...(since !== undefined ? { since } : {}),
      });
      try {
        const counts = await stageSource({
          ledger,
          runId,
          source: deps.source,
          mapper: deps.mapper,
          signal: stagingSignal,
          ...(since !== undefined ? { since } : {}),
          inspect: add,
          onChunk,
          handoff: { owner, leaseMs: config.run.leaseMs, ready },
          ...(identifiers ? { identifiers } : {}),
        });
        return { counts, census: census.toJSON() };
      } finally {
        identifiers?.close();
      }
    };
    // The head (see stageInThread) settles shared identifiers as it goes; `reject-all` must know
    // the whole source before it stages anyone, which only the staging thread's first read does.
    const headIdentifiers =
      deps.baseDir !== undefined && deps.source.stableOrder && policy === 'first-wins'
        ? await identifierCheck(policy, { source: deps.source, mapper: deps.mapper })
        : undefined;
    // With the config's folder known, reading and mapping (the CPU-heavy half of staging) run on a
    // second thread beside delivery; this thread stays the ledger's only writer.
    const staging =
      deps.baseDir !== undefined
        ? stageInThread(
            { config, baseDir: deps.baseDir, ...(since !== undefined ? { since } : {}) },
            {
              stager,
              ready,
              signal: stagingSignal,
              onChunk,
              // A file can be started here while the thread loads, so the first call goes out at once.
              ...(deps.source.stableOrder && policy !== 'reject-all'
                ? { head: { source: deps.source, mapper: deps.mapper, census: targetCensus(target), ...(headIdentifiers ? { identifiers: headIdentifiers } : {}) } }
                : {}),
            },
          ).finally(() => headIdentifiers?.close())
        : stageInProcess();
    const staged$ = staging.then(
      async (result) => {
        const { counts } = result;
        // Deletes are decided only on a complete read of the source, never on a partial one.
        if (deps.deletes && !stagingSignal.aborted) {
          deleteDecision = incremental
            ? {
                kind: 'refused',
                count: 0,
                percent: 0,
                reason: 'deletes need a full read of the source: run again with --full --deletes',
              }
            : await decideDeletes(ledger, runId, deps.deletes, heldAtStart);
        }
        if (counts.cursor !== undefined && !stagingSignal.aborted) await ledger.setMeta(CURSOR_KEY, counts.cursor);
        // Who this run saw is who is still in the source: `retry` leaves the others' dead letters alone.
        if (!incremental && !stagingSignal.aborted) await ledger.setMeta(LAST_FULL_READ_KEY, String(runId));
        stagingMs = Date.now() - started;
        stagingDone = true;
        // Workers waiting for a full batch may now send the last, short one.
        ready.wake();
        return result;
      },
      (err: unknown) => {
        stagingDone = true;
        ready.wake();
        throw err;
      },
    );
    // Delivery starts while the source is still being read: the target's latency hides the parsing.
    // Its token is fetched meanwhile (bad credentials stop the run before a call is made), instead
    // of by the first call: a round trip less before the first users go out.
    const delivering = opened.then(() =>
      deliver({
        ledger,
        target,
        owner,
        batchSize,
        concurrency: {
          initial: Math.min(config.run.initialConcurrency, config.run.concurrency),
          max: config.run.concurrency,
          queueingTolerance: config.run.queueingTolerance,
        },
        leaseMs: config.run.leaseMs,
        retry: { maxAttempts: config.run.maxAttempts, backoffMs: (n) => backoffWithJitter(n) },
        ...(signal ? { signal } : {}),
        producerDone: () => stagingDone,
        ready,
        onSettled: async (_s, totals) => {
          deps.onDeliverProgress?.(totals, toSend);
          const now = Date.now();
          if (now - lastPoint >= 1000) {
            lastPoint = now;
            await ledger.recordProgress(runId, { t: now - started, ...pick(totals) });
          }
        },
      }),
    );
    delivering.catch(() => {
      ready.close();
      stopStaging.abort(new Error('delivery stopped'));
    });
    const [stagedResult, result] = await Promise.allSettled([staged$, delivering]);
    // Interrupted or failed: users staged for this run but never sent go back to the queue.
    await handBack(ledger, { owner, items: ready.drain() });
    // Delivery's failure first: it is what stopped staging.
    if (result.status === 'rejected') throw result.reason;
    if (stagedResult.status === 'rejected') throw stagedResult.reason;
    const { counts: staged, census } = stagedResult.value;
    await ledger.recordProgress(runId, { t: Date.now() - started, ...pick(result.value) });
    const { limiter, ...delivered } = result.value;
    const stats = await ledger.stats();
    const durationMs = Date.now() - started;
    const sent = delivered.created + delivered.updated + delivered.deleted;
    const summary: RunSummary = {
      runId,
      status: signal?.aborted ? 'interrupted' : 'completed',
      staged,
      delivered,
      rejects: await ledger.rejectsOf(runId, 1000),
      deadLetters: stats.byState.dead,
      deadByReason: stats.deadByReason,
      // An incremental read sees only changed users: everyone else would look deleted.
      missingFromSource: signal?.aborted || incremental ? 0 : (await ledger.missingFrom(runId)).count,
      incremental,
      deletes: deleteDecision,
      bisectionCalls: target.stats?.().bisectionCalls ?? 0,
      durationMs,
      usersPerSecond: durationMs > 0 ? Math.round((sent * 1000) / durationMs) : 0,
      maxConcurrency: limiter?.maxInFlightSeen ?? 0,
      queueingWindows: limiter?.queueing ?? 0,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: cpuSecondsSoFar(),
    };
    await ledger.finishRun(runId, summary.status, {
      staged,
      delivered: summary.delivered,
      rejects: staged.rejected,
      durationMs,
      deletes: deleteDecision,
      bisectionCalls: summary.bisectionCalls,
      peakRssMb: summary.peakRssMb,
      census,
      // What `plan` bases its estimate on: how fast this source was read, and what calls took here.
      timing: {
        read: staged.read,
        stagingMs: stagingMs ?? durationMs,
        calls: delivered.calls,
        batches: delivered.batches,
        sendMs: Math.round(delivered.sendMs),
        maxConcurrency: summary.maxConcurrency,
      } satisfies RunTiming,
    });
    return summary;
  } catch (err) {
    await ledger.finishRun(runId, 'failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    await ledger.release(owner);
    await stopCheckpoints?.();
  }
}

function cpuSecondsSoFar(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 10_000) / 100;
}

function pick(t: DeliverTotals) {
  const { created, updated, deleted, dead, retried, calls, throttled } = t;
  return { created, updated, deleted, dead, retried, calls, throttled };
}

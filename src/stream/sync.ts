import type { MigrationConfig } from '../config/schema.ts';
import type { SyncConfig } from '../config/sync.ts';
import type { EventInbox, IncomingEvent, InboxStats } from '../ledger/inbox.ts';
import { isOwnerAlive, newOwnerId } from '../ledger/owner.ts';
import { backoffWithJitter } from '../delivery/backoff.ts';
import { sleep } from '../delivery/aimd.ts';
import type { Mapper } from '../mapping/index.ts';
import { HealthServer } from '../observe/health.ts';
import { SyncMetrics } from '../observe/metrics.ts';
import type { SingleUserTarget } from '../targets/target.ts';
import { Applier } from './apply.ts';
import type { EventInput, InputSink } from './input.ts';
import { createInputs } from './inputs/index.ts';

export interface SyncLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface StartSyncOptions {
  migration: MigrationConfig;
  sync: SyncConfig;
  inbox: EventInbox;
  target: SingleUserTarget;
  mapper?: Mapper | undefined;
  logger?: SyncLogger | undefined;
  /** Built inputs (tests); by default they come from `sync.inputs`. */
  inputs?: EventInput[];
  /** Per applied event: ms from arrival in the inbox and from the change's own time (benchmarks). */
  onApplied?: (lags: { receivedMs: number[]; changeMs: number[] }) => void;
}

export interface SyncHandle {
  inputs: EventInput[];
  metrics: SyncMetrics;
  /** Base URL of the health/metrics server, if configured. */
  healthUrl: string | undefined;
  stats(): Promise<InboxStats>;
  /** Resolves once every input is drained and the inbox has no backlog (checked twice in a row). */
  untilDrained(pollMs?: number): Promise<void>;
  /** Graceful: inputs stop taking messages and ack what is committed, in-flight calls settle. */
  stop(): Promise<void>;
  /** Rejects when the apply loop stops on a fatal target error. */
  done: Promise<void>;
}

const PRUNE_TICK_MS = 1_000;
const PRUNE_CHUNK = 5_000;
/** 50,000 events/s of ingest, kept up with. */
const PRUNE_MAX_PER_TICK = 100_000;
/** Events the payload sweep looks at per transaction: small, so appends and settles queued behind it wait little. */
const SCRUB_CHUNK = 500;

const quiet: SyncLogger = { info() {}, warn() {}, error() {} };

/** Starts inputs, the apply loop and the health server. */
export async function startSync(o: StartSyncOptions): Promise<SyncHandle> {
  const log = o.logger ?? quiet;
  const metrics = new SyncMetrics(true);
  const owner = newOwnerId();
  const freed = await o.inbox.releaseDeadOwners(isOwnerAlive, Date.now() + o.sync.resendHoldMs);
  if (freed > 0) log.info({ users: freed, resendInMs: o.sync.resendHoldMs }, 'users a stopped sync process had in flight are sent again shortly');

  const batchSize = Math.min(o.sync.batchSize, o.target.capabilities.maxBatch);
  const applier = new Applier({
    inbox: o.inbox,
    target: o.target,
    owner,
    batchSize,
    maxEventsPerUser: o.sync.maxEventsPerUser,
    concurrency: { initial: Math.min(o.sync.initialConcurrency, o.sync.concurrency), max: o.sync.concurrency },
    leaseMs: o.sync.leaseMs,
    retry: { maxAttempts: o.sync.maxAttempts, backoffMs: (n) => backoffWithJitter(n, 500, 300_000) },
    pollMs: o.sync.pollMs,
    resendHoldMs: o.sync.resendHoldMs,
    handoffUsers: o.sync.handoffUsers,
    onSettled: (t, lags) => {
      metrics.applied.inc(t.applied);
      metrics.skipped.inc(t.skipped);
      metrics.dead.inc(t.dead);
      metrics.retries.inc(t.retried);
      for (const ms of lags.receivedMs) metrics.applyLag.observe(ms / 1000);
      o.onApplied?.(lags);
    },
    onThrottle: () => metrics.throttled.inc(),
  });

  let ingestedSincePrune = 0;
  let pruning: Promise<void> | undefined;
  let closing = false;
  const sinkFor = (input: string): InputSink => ({
    ingest: async (events: IncomingEvent[]) => {
      const r = await applier.append(events);
      ingestedSincePrune += r.accepted;
      metrics.received.inc({ input }, r.accepted);
      metrics.duplicates.inc({ input }, r.duplicates);
      metrics.deadOnIngest.inc({ input }, r.dead);
      for (const e of events) if (!e.ok) log.warn({ input, id: e.bad.id, subject: e.bad.subject, reason: e.bad.reason }, 'event dead-lettered');
      return r;
    },
  });

  const inputs =
    o.inputs ??
    (await createInputs(o.sync.inputs, { mapper: o.mapper }, metrics, (input, err) =>
      log.error({ input, err: err instanceof Error ? err.message : String(err) }, 'input error'),
    ));

  const stopApply = new AbortController();
  const done = applier.run(stopApply.signal);
  done.catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'apply loop stopped'));

  const started: EventInput[] = [];
  try {
    for (const input of inputs) {
      await input.start(sinkFor(input.name));
      started.push(input);
      log.info({ input: input.name, kind: input.kind }, 'input started');
    }
  } catch (err) {
    for (const i of started) await i.stop().catch(() => undefined);
    stopApply.abort();
    await done.catch(() => undefined);
    throw err;
  }

  const refreshGauges = async () => {
    const s = await o.inbox.stats();
    metrics.backlog.set(s.backlog);
    metrics.backlogUsers.set(s.backlogUsers);
    metrics.lag.set(s.lagMs / 1000);
    metrics.rate.set(s.ratePerSec);
    return s;
  };

  let health: HealthServer | undefined;
  let healthUrl: string | undefined;
  if (o.sync.http) {
    health = new HealthServer({
      live: () => !stopApply.signal.aborted,
      ready: async () => {
        const detail: Record<string, unknown> = {};
        for (const i of inputs) detail[i.name] = i.ready();
        const ready = inputs.every((i) => i.ready()) && !stopApply.signal.aborted;
        return { ready, detail };
      },
      metrics: async () => {
        await refreshGauges();
        return { contentType: metrics.contentType, body: await metrics.text() };
      },
    });
    healthUrl = await health.start(o.sync.http.host, o.sync.http.port);
    log.info({ url: healthUrl }, 'health and metrics listening');
  }

  // Pruning keeps pace with ingest: each second it may delete up to twice what arrived in the last
  // one (so expired rows left over from a burst or a pause shrink), in chunks small enough that no
  // single delete holds the write lock for long. A fixed budget (5,000 per 10 s, once) fell behind
  // at any rate above 500 events/s and let the inbox grow without bound.
  const pruneTimer = setInterval(() => {
    if (pruning) return;
    const budget = Math.min(PRUNE_MAX_PER_TICK, Math.max(PRUNE_CHUNK, 2 * ingestedSincePrune));
    ingestedSincePrune = 0;
    pruning = (async () => {
      const before = Date.now() - o.sync.retainHours * 3_600_000;
      for (let done = 0; done < budget && !closing; ) {
        const chunk = Math.min(PRUNE_CHUNK, budget - done);
        const n = await o.inbox.prune(before, chunk);
        done += n;
        // Fewer than asked: nothing more has expired.
        if (n < chunk) break;
      }
      // Payloads of what was applied since the last tick: the same budget, counted in events looked at.
      for (let looked = 0; looked < budget && !closing; looked += SCRUB_CHUNK) {
        if ((await o.inbox.scrub(SCRUB_CHUNK)) < SCRUB_CHUNK) break;
      }
    })()
      .catch((err: unknown) => log.warn({ err: String(err) }, 'inbox prune failed'))
      .finally(() => {
        pruning = undefined;
      });
  }, PRUNE_TICK_MS);
  pruneTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(pruneTimer);
      closing = true;
      await pruning;
      for (const i of inputs) await i.stop().catch((err: unknown) => log.warn({ input: i.name, err: String(err) }, 'input stop failed'));
      stopApply.abort();
      await done.catch(() => undefined);
      await o.inbox.releaseOwner(owner);
      await health?.stop();
    })());

  return {
    inputs,
    metrics,
    healthUrl,
    stats: refreshGauges,
    done,
    stop,
    async untilDrained(pollMs = 200) {
      let clean = 0;
      for (;;) {
        const s = await o.inbox.backlog();
        const inputsDrained = (await Promise.all(inputs.map((i) => i.drained()))).every(Boolean);
        clean = s.backlog === 0 && s.lagMs === 0 && inputsDrained && !applier.busy ? clean + 1 : 0;
        if (clean >= 2) {
          await refreshGauges();
          return;
        }
        await Promise.race([sleep(pollMs), done]);
      }
    },
  };
}

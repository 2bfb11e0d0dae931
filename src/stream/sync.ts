import type { MigrationConfig } from '../config/schema.ts';
import type { SyncConfig } from '../config/sync.ts';
import type { EventInbox, IncomingEvent, InboxStats, SyncLiveStatus } from '../ledger/inbox/inbox.ts';
import { isOwnerAlive, newOwnerId } from '../ledger/owner.ts';
import { backoffWithJitter } from '../delivery/backoff.ts';
import { sleep } from '../delivery/aimd.ts';
import type { Mapper } from '../mapping/index.ts';
import { HealthServer } from '../observe/health.ts';
import { SyncMetrics } from '../observe/metrics.ts';
import type { Target } from '../targets/target.ts';
import { Applier } from './apply.ts';
import { subjectResolver } from './envelope/index.ts';
import type { AnyEventInput, InputSink } from './input.ts';
import { createInputs } from './inputs/index.ts';
import { createMaterialiser } from './materialise.ts';
import { Pump } from './pump.ts';

export interface SyncLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface StartSyncOptions {
  migration: MigrationConfig;
  sync: SyncConfig;
  inbox: EventInbox;
  target: Target;
  /** The migration's mapping, for legacy records (`record` data). */
  mapper?: Mapper | undefined;
  /** The mapping over the normalised vendor shape, for the Keycloak and Auth0 envelopes. */
  normalisedMapper?: Mapper | undefined;
  logger?: SyncLogger | undefined;
  /** Built inputs (tests); by default they come from `sync.inputs`. */
  inputs?: AnyEventInput[];
  /** Per applied event: ms from arrival in the inbox and from the change's own time (benchmarks). */
  onApplied?: (lags: { receivedMs: number[]; changeMs: number[] }) => void;
}

/** What `--until-drained` found once nothing was left to do. */
export interface DrainResult {
  stats: InboxStats;
}

export interface SyncHandle {
  inputs: AnyEventInput[];
  metrics: SyncMetrics;
  /** Base URL of the health/metrics server, if configured. */
  healthUrl: string | undefined;
  stats(): Promise<InboxStats>;
  /**
   * Resolves once every input is drained and nothing is left to apply (checked twice in a row) but
   * deletes held by the delete cap, which wait for an operator; `stats` says what is left (dead
   * letters, held deletes) so the caller can exit 3.
   */
  untilDrained(pollMs?: number): Promise<DrainResult>;
  /** Graceful: inputs stop taking messages and ack what is committed, in-flight calls settle. */
  stop(): Promise<void>;
  /** Rejects when the apply loop stops on a fatal target error. */
  done: Promise<void>;
}

/** A start-up failure, naming what failed (an input and where it connects, the health server). */
export class SyncStartError extends Error {}

const PRUNE_TICK_MS = 1_000;
const PRUNE_CHUNK = 5_000;
/** 50,000 events/s of ingest, kept up with. */
const PRUNE_MAX_PER_TICK = 100_000;
/** Events the payload sweep looks at per transaction: small, so appends and settles queued behind it wait little. */
const SCRUB_CHUNK = 500;

const quiet: SyncLogger = { info() {}, warn() {}, error() {} };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not start within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/**
 * Starts the health server, the inputs and the apply loop. Any of them failing to start (a port in
 * use, a refused broker, wrong credentials, `wal_level` not logical, a secret too short) stops what
 * did start and throws a `SyncStartError` naming it: the process must exit, not limp on.
 */
export async function startSync(o: StartSyncOptions): Promise<SyncHandle> {
  const log = o.logger ?? quiet;
  const metrics = new SyncMetrics(true);
  const owner = newOwnerId();
  const freed = await o.inbox.releaseDeadOwners(isOwnerAlive, Date.now() + o.sync.resendHoldMs);
  if (freed > 0) log.info({ users: freed, resendInMs: o.sync.resendHoldMs }, 'users a stopped sync process had in flight are sent again shortly');

  const batchSize = Math.min(o.sync.batchSize, o.target.capabilities.maxBatch);
  metrics.targetUp.set(1);
  /** Stores what `status` shows of this process; set once the inputs are up. */
  const liveStatus: { write?: () => Promise<void> } = {};
  const applier = new Applier({
    inbox: o.inbox,
    target: o.target,
    owner,
    batchSize,
    maxEventsPerUser: o.sync.maxEventsPerUser,
    concurrency: { initial: Math.min(o.sync.initialConcurrency, o.sync.concurrency), max: o.sync.concurrency },
    leaseMs: o.sync.leaseMs,
    retry: { maxAttempts: o.sync.maxAttempts, backoffMs: (n) => backoffWithJitter(n, 500, o.sync.outage.maxDelayMs) },
    outageInitialDelayMs: o.sync.outage.initialDelayMs,
    outageMaxDelayMs: o.sync.outage.maxDelayMs,
    pollMs: o.sync.pollMs,
    resendHoldMs: o.sync.resendHoldMs,
    handoffUsers: o.sync.handoffUsers,
    materialise: createMaterialiser({ record: o.mapper, normalised: o.normalisedMapper }),
    maxDeletesPerMinute: o.sync.maxDeletesPerMinute,
    onSettled: (t, lags) => {
      metrics.applied.inc(t.applied);
      metrics.skipped.inc({ reason: 'older' }, t.skipped);
      metrics.skipped.inc({ reason: 'duplicate' }, t.duplicates ?? 0);
      metrics.dead.inc(t.dead);
      metrics.retries.inc(t.retried);
      for (const ms of lags.receivedMs) metrics.applyLag.observe(ms / 1000);
      for (const ms of lags.changeMs) metrics.changeLag.observe(Math.max(0, ms) / 1000);
      o.onApplied?.(lags);
    },
    onThrottle: () => metrics.throttled.inc(),
    onPlanNotes: (n) => {
      for (const e of n.skipped) log.info({ subject: n.subject, id: e.id, version: e.version, reason: 'older than the change already applied' }, 'event skipped');
      for (const e of n.duplicates) log.info({ subject: n.subject, id: e.id, version: e.version, reason: 'same content at the same version (a redelivery)' }, 'event skipped');
      for (const u of n.unusable) log.warn({ subject: n.subject, ids: u.ids, reason: u.reason }, 'event dead-lettered');
    },
    onTargetHealth: (h, event, woken) => {
      if (event === 'down') {
        metrics.targetUp.set(0);
        log.warn({ reason: h.reason }, 'target fails every call: events wait (none is dead-lettered) and a probe call goes out at growing intervals');
      } else {
        metrics.targetUp.set(1);
        metrics.targetDownSeconds.set(0);
        log.info({ downSeconds: Math.round((Date.now() - (h.downSince ?? Date.now())) / 1000), usersDueNow: woken }, 'target answers again: the backlog drains now');
      }
      void liveStatus.write?.();
    },
    onDeleteHeld: (subject) =>
      log.warn({ subject, maxDeletesPerMinute: o.sync.maxDeletesPerMinute }, 'delete held: above the delete cap; release with `ciam-migrate sync -c <config> --release-deletes`'),
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
      let ignored: Record<string, number> | undefined;
      for (const e of events) {
        if (e.ok) continue;
        if ('bad' in e) log.warn({ input, id: e.bad.id, subject: e.bad.subject, reason: e.bad.reason }, 'event dead-lettered');
        else (ignored ??= {})[e.ignored] = (ignored[e.ignored] ?? 0) + 1;
      }
      if (ignored) {
        for (const [reason, n] of Object.entries(ignored)) metrics.ignored.inc({ input, reason }, n);
        log.info({ input, ignored }, 'messages that are not user changes ignored');
      }
      return r;
    },
  });

  const refreshGauges = async () => {
    const s = await o.inbox.stats();
    metrics.backlog.set(s.backlog);
    metrics.backlogUsers.set(s.backlogUsers);
    metrics.lag.set(s.lagMs / 1000);
    metrics.inboxAge.set(s.inboxAgeMs / 1000);
    metrics.rate.set(s.ratePerSec);
    metrics.retrying.set(s.retrying);
    metrics.deletesHeld.set(s.heldDeletes);
    const t = applier.targetHealth();
    metrics.targetDownSeconds.set(t.downSince === undefined ? 0 : (Date.now() - t.downSince) / 1000);
    return s;
  };

  // The health server first: a port in use fails the start before anything connects anywhere.
  let health: HealthServer | undefined;
  let healthUrl: string | undefined;
  const stopApply = new AbortController();
  let inputs: AnyEventInput[] = o.inputs ?? [];
  if (o.sync.http) {
    health = new HealthServer({
      live: () => !stopApply.signal.aborted,
      ready: async () => {
        const detail: Record<string, unknown> = {};
        for (const i of inputs) detail[i.name] = i.ready();
        const t = applier.targetHealth();
        detail.target = t.downSince === undefined ? 'up' : { downSince: new Date(t.downSince).toISOString(), reason: t.reason };
        // Not ready while an input's connection is down; a target outage is reported, not failed on
        // (events are still taken in and wait in the inbox).
        const ready = inputs.length > 0 && inputs.every((i) => i.ready()) && !stopApply.signal.aborted;
        return { ready, detail };
      },
      metrics: async () => {
        await refreshGauges();
        return { contentType: metrics.contentType, body: await metrics.text() };
      },
    });
    try {
      healthUrl = await health.start(o.sync.http.host, o.sync.http.port);
    } catch (err) {
      throw new SyncStartError(`health server ${o.sync.http.host}:${o.sync.http.port}: ${message(err)}`);
    }
    log.info({ url: healthUrl }, 'health and metrics listening');
  }

  const started: AnyEventInput[] = [];
  /** Each input's pump: decodes, commits to the inbox, then acks (pump.ts). */
  const pumps = new Map<AnyEventInput, Pump<never>>();
  const inputError = (input: string) => (err: unknown) => log.error({ input, err: message(err) }, 'input error');
  const done = applier.run(stopApply.signal);
  done.catch((err: unknown) => log.error({ err: message(err) }, 'apply loop stopped'));
  const stopInput = async (i: AnyEventInput) => {
    pumps.get(i)?.stop();
    await i.stop();
  };
  const abandon = async () => {
    for (const i of started) await stopInput(i).catch(() => undefined);
    stopApply.abort();
    await done.catch(() => undefined);
    await o.inbox.releaseOwner(owner).catch(() => undefined);
    await health?.stop();
  };
  try {
    if (!o.inputs) {
      const subjectOf = subjectResolver(o.migration.mapping, o.mapper);
      inputs = await createInputs(o.sync.inputs, { subjectOf }, metrics, (input, err) => inputError(input)(err));
    }
  } catch (err) {
    await abandon();
    throw new SyncStartError(message(err));
  }
  for (const input of inputs) {
    const where = `input ${input.name} (${input.kind}${input.endpoint ? ` ${input.endpoint}` : ''})`;
    try {
      const pump = new Pump(input, sinkFor(input.name), inputError(input.name));
      pumps.set(input, pump);
      await within(input.start(pump), o.sync.startTimeoutMs, where);
      started.push(input);
      log.info({ input: input.name, kind: input.kind }, 'input started');
    } catch (err) {
      // The failing input may hold a half-open connection: it is stopped too.
      await stopInput(input).catch(() => undefined);
      await abandon();
      throw new SyncStartError(`${where}: ${message(err)}`);
    }
  }

  /** What `status` (another process) shows of this one: the target's health and what waits upstream. */
  let writing: Promise<void> | undefined;
  const writeLiveStatus = (): Promise<void> =>
    (writing ??= (async () => {
      const t = applier.targetHealth();
      const status: SyncLiveStatus = { at: Date.now(), targetDownSince: t.downSince, targetDownReason: t.reason, inputs: [] };
      for (const i of inputs) {
        const up = await i.upstream?.().catch(() => undefined);
        const connected = i.ready();
        metrics.inputConnected.set({ input: i.name }, connected ? 1 : 0);
        if (up?.pending !== undefined) metrics.upstreamPending.set({ input: i.name }, up.pending);
        if (up?.lagBytes !== undefined) metrics.upstreamLagBytes.set({ input: i.name }, up.lagBytes);
        status.inputs.push({ name: i.name, kind: i.kind, connected, pending: up?.pending, lagBytes: up?.lagBytes });
      }
      if (!closing) await o.inbox.putLiveStatus(status);
    })()
      .catch((err: unknown) => log.warn({ err: message(err) }, 'could not store the sync status'))
      .finally(() => {
        writing = undefined;
      }));
  liveStatus.write = writeLiveStatus;
  void writeLiveStatus();
  const statusTimer = setInterval(() => void writeLiveStatus(), o.sync.statusIntervalMs);
  statusTimer.unref();

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
      .catch((err: unknown) => log.warn({ err: message(err) }, 'inbox prune failed'))
      .finally(() => {
        pruning = undefined;
      });
  }, PRUNE_TICK_MS);
  pruneTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(pruneTimer);
      clearInterval(statusTimer);
      closing = true;
      await pruning;
      await writing;
      for (const i of inputs) await stopInput(i).catch((err: unknown) => log.warn({ input: i.name, err: message(err) }, 'input stop failed'));
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
        const inPumps = [...pumps.values()].some((p) => p.inFlight > 0);
        const inputsDrained = !inPumps && (await Promise.all(inputs.map((i) => i.drained()))).every(Boolean);
        // Held deletes wait for an operator: the rest is drained when only they are left.
        clean = s.backlog === s.heldEvents && (s.backlog > 0 || s.lagMs === 0) && inputsDrained && !applier.busy ? clean + 1 : 0;
        if (clean >= 2) return { stats: await refreshGauges() };
        await Promise.race([sleep(pollMs), done]);
      }
    },
  };
}

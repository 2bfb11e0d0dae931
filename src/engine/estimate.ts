import type { RunRecord } from '../ledger/index.ts';
import type { RunTiming } from './run.ts';

/** How long a run would take, and what that figure rests on. */
export interface RunEstimate {
  users: number;
  batchSize: number;
  /** Bulk calls for `users` (a DELETE per user comes on top, see `deleteCalls`). */
  calls: number;
  /** One DELETE call per user that left the source, if the run is given --deletes (not in `seconds`). */
  deleteCalls: number;
  concurrency: number;
  seconds: number;
  /**
   * `measured`: what calls took in earlier runs of this migration (their history in the ledger);
   * `guess`: no run measured any yet, so every call is assumed to take `run.assumedCallMs`.
   */
  basis: 'measured' | 'guess';
  /** Mean time of one call: measured, or the assumption. */
  callMs: number;
  /** Reading the source at the measured speed (staging overlaps sending); undefined for a guess. */
  readSeconds?: number;
  /** Runs whose measurements the estimate uses, newest first. */
  measuredRuns: number[];
  assumedCallMs: number;
}

export interface EstimateInput {
  users: number;
  deletes: number;
  records: number;
  batchSize: number;
  concurrency: number;
  assumedCallMs: number;
  /** The ledger's recent runs, newest first (`LedgerStats.runs`). */
  runs: RunRecord[];
}

function timingOf(run: RunRecord): RunTiming | undefined {
  const t = run.summary['timing'] as RunTiming | undefined;
  return t !== undefined && typeof t.batches === 'number' && typeof t.sendMs === 'number' ? t : undefined;
}

/**
 * Calls take what they took before: the mean time of a batch over the recent runs that sent any,
 * at the concurrency those runs reached (never above the configured one). Without such a run the
 * estimate is a guess, and says so.
 */
export function estimateRun(input: EstimateInput): RunEstimate {
  const calls = Math.ceil(input.users / input.batchSize);
  const base = { users: input.users, batchSize: input.batchSize, calls, deleteCalls: input.deletes, concurrency: input.concurrency, assumedCallMs: input.assumedCallMs };
  const measured = input.runs
    .filter((r) => r.kind === 'run' && r.status !== 'running')
    .map((r) => ({ id: r.id, timing: timingOf(r) }))
    .filter((r): r is { id: number; timing: RunTiming } => r.timing !== undefined);
  const sending = measured.filter((r) => r.timing.batches > 0);
  const batches = sending.reduce((sum, r) => sum + r.timing.batches, 0);
  if (batches === 0) {
    const seconds = Math.ceil((calls * input.assumedCallMs) / input.concurrency / 1000);
    return { ...base, seconds, basis: 'guess', callMs: input.assumedCallMs, measuredRuns: [] };
  }
  const callMs = Math.round(sending.reduce((sum, r) => sum + r.timing.sendMs, 0) / batches);
  const reached = Math.max(...sending.map((r) => r.timing.maxConcurrency));
  const parallel = Math.max(1, Math.min(input.concurrency, reached > 0 ? reached : input.concurrency));
  const sendSeconds = (calls * callMs) / parallel / 1000;
  const reader = measured.find((r) => r.timing.read > 0 && r.timing.stagingMs > 0);
  const readSeconds = reader !== undefined ? (input.records * reader.timing.stagingMs) / reader.timing.read / 1000 : undefined;
  const seconds = Math.ceil(Math.max(sendSeconds, readSeconds ?? 0));
  const used = new Set([...sending.map((r) => r.id), ...(reader ? [reader.id] : [])]);
  return {
    ...base,
    concurrency: parallel,
    seconds,
    basis: 'measured',
    callMs,
    ...(readSeconds !== undefined ? { readSeconds: Math.ceil(readSeconds) } : {}),
    measuredRuns: [...used].sort((a, b) => b - a),
  };
}

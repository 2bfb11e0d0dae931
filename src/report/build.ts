import type { MigrationConfig } from '../config/schema.ts';
import type { CensusReport } from '../hashes/census.ts';
import { notesByCount, type MappingNotes } from '../mapping/notes.ts';
import type { DeadLetter, Ledger, LedgerStats, ProgressPoint, RunRecord } from '../ledger/index.ts';
import type { VerifySummary } from '../verify/report.ts';

export interface ThroughputPoint {
  /** Milliseconds since the run started. */
  t: number;
  usersPerSecond: number;
  settled: number;
  throttled: number;
}

export interface MigrationReport {
  name: string;
  generatedAt: string;
  target: { kind: string; host: string };
  ledger: LedgerStats['byState'] & { total: number };
  runs: RunRecord[];
  latestRun:
    | {
        run: RunRecord;
        throughput: ThroughputPoint[];
        rejectsByReason: { reason: string; count: number }[];
        /** Users that migrated with notes (a dropped invalid field, an odd legacy id), by note. */
        notes: { users: number; byNote: Array<{ note: string; count: number }> };
        census: CensusReport | undefined;
        bisectionCalls: number;
      }
    | undefined;
  /** The latest `ciam-migrate verify` (its counts and findings by legacy id; never a value or an e-mail). */
  latestVerify: { run: RunRecord; summary: VerifySummary } | undefined;
  failuresByReason: { reason: string; count: number }[];
  deadLetters: DeadLetter[];
  includesEmails: boolean;
}

/**
 * What happened, for people: built from the ledger only. It holds no secrets and no hashes by
 * construction (nothing here reads a payload except the e-mail, and only when asked for).
 */
export async function buildReport(config: MigrationConfig, ledger: Ledger, options: { includeEmails?: boolean; maxDeadLetters?: number } = {}): Promise<MigrationReport> {
  const stats = await ledger.stats();
  const runs = stats.runs;
  const latest = runs.find((r) => r.kind === 'run' && r.status !== 'running') ?? runs[0];
  const summary = (latest?.summary ?? {}) as { census?: CensusReport; bisectionCalls?: number; staged?: { notes?: MappingNotes } };
  return {
    name: config.name,
    generatedAt: new Date().toISOString(),
    target: { kind: config.target.kind, host: new URL(config.target.baseUrl).host },
    ledger: { total: stats.total, ...stats.byState },
    runs,
    latestRun: latest
      ? {
          run: latest,
          throughput: throughput(await ledger.progressOf(latest.id)),
          rejectsByReason: await ledger.rejectReasons(latest.id),
          notes: notesOf(summary.staged?.notes),
          census: summary.census,
          bisectionCalls: summary.bisectionCalls ?? 0,
        }
      : undefined,
    latestVerify: latestVerify(runs),
    failuresByReason: stats.deadByReason,
    deadLetters: await ledger.deadLetters(options.maxDeadLetters ?? 1000, options.includeEmails === true),
    includesEmails: options.includeEmails === true,
  };
}

function latestVerify(runs: RunRecord[]): MigrationReport['latestVerify'] {
  const run = runs.find((r) => r.kind === 'verify' && r.status !== 'running');
  return run ? { run, summary: run.summary as unknown as VerifySummary } : undefined;
}

function throughput(points: ProgressPoint[]): ThroughputPoint[] {
  const out: ThroughputPoint[] = [];
  let prev: ProgressPoint | undefined;
  for (const p of points) {
    const settled = p.created + p.updated + p.deleted + p.dead;
    const prevSettled = prev ? prev.created + prev.updated + prev.deleted + prev.dead : 0;
    const dt = (p.t - (prev?.t ?? 0)) / 1000;
    out.push({ t: p.t, settled, usersPerSecond: dt > 0 ? Math.round((settled - prevSettled) / dt) : 0, throttled: p.throttled });
    prev = p;
  }
  return out;
}

/** A run's notes for people: counts by note, no user named (runs before notes were kept have none). */
function notesOf(notes: MappingNotes | undefined): { users: number; byNote: Array<{ note: string; count: number }> } {
  return notes === undefined ? { users: 0, byNote: [] } : { users: notes.users, byNote: notesByCount(notes) };
}

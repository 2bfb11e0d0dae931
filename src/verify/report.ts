import type { FieldCategory, ViewValue } from '../targets/target.ts';
import type { FieldDrift } from './compare.ts';
import type { SampleStatement } from './sample.ts';
import type { Verdict, VerifyRow, VerifyStore } from './store.ts';

/** One user `verify` reports: its ids, and the fields or reason that make it a finding. */
export interface Finding {
  sourceId: string;
  targetKey: string;
  fields?: FieldDrift[];
  reason?: string;
  /** For in-flight and dead-lettered users: what the read found. */
  found?: 'missing' | 'drift';
}

/** Verdicts that are findings, in the order they are reported. */
export const FINDING_VERDICTS = ['missing', 'drift', 'unexpected', 'dead', 'refused', 'gone', 'unreadable', 'inflight'] as const;
export type FindingVerdict = (typeof FINDING_VERDICTS)[number];

export interface VerifyReport {
  /** Which verification of this ledger (resumes keep the number). */
  verification: number;
  /** `incomplete`: the listing of the target's users failed; its part was not checked. */
  status: 'completed' | 'interrupted' | 'incomplete';
  mode: 'full' | 'sample';
  /** Times this verification was resumed after an interruption. */
  resumes: number;
  target: string;
  source: { read: number; valid: number; rejected: number; rejects: { position: string; reason: string }[] };
  counts: Record<Verdict, number>;
  /** Users with drift, per kind of field (a user with several kinds counts in each). */
  driftByCategory: Partial<Record<FieldCategory, number>>;
  /** Users whose password credential is there but whose algorithm the target does not show. */
  passwordUnconfirmed: number;
  /** Users of the target that this migration did not create (not findings). */
  foreign: number;
  /** The listing of the target's users: done, skipped (and why), or failed. */
  listing: { done: boolean; users: number; skipped?: string; error?: string };
  sample?: SampleStatement;
  findings: Record<FindingVerdict, Finding[]>;
  /** Users put back in the queue (`--requeue`). */
  requeued: number;
  blindSpots: readonly string[];
  /** Calls to the target (listing and token excluded from none: every API call), of which `throttled` were refused with 429/503. */
  reads: { calls: number; throttled: number; retries: number; seconds: number; callsPerSecond: number; answeredPerSecond: number; maxConcurrency: number };
  durationMs: number;
  peakRssMb: number;
  /** CPU time of this process so far (user + system), for sizing the machine. */
  cpuSeconds: number;
  includesEmails: boolean;
  exitCode: number;
}

/** Users that keep the gate closed (exit 3): everything but `ok`, `unsampled`, `inflight` and `gone-absent`. */
export function problemCount(r: Pick<VerifyReport, 'counts' | 'source'>): number {
  const c = r.counts;
  return c.missing + c.drift + c.unexpected + c.dead + c.refused + c.gone + r.source.rejected;
}

export function findingOf(row: VerifyRow): Finding {
  const d = row.detail ?? {};
  return {
    sourceId: row.sourceId,
    targetKey: row.targetKey,
    ...(d.fields !== undefined ? { fields: d.fields } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.found !== undefined ? { found: d.found } : {}),
  };
}

/** Findings per verdict (the first `limit` of each) and drift counts per category, from the store. */
export function collectFindings(store: VerifyStore, limit: number): { findings: Record<FindingVerdict, Finding[]>; driftByCategory: Partial<Record<FieldCategory, number>> } {
  const findings = Object.fromEntries(FINDING_VERDICTS.map((v) => [v, [] as Finding[]])) as Record<FindingVerdict, Finding[]>;
  const driftByCategory: Partial<Record<FieldCategory, number>> = {};
  for (const verdict of FINDING_VERDICTS) {
    for (const row of store.rows(verdict)) {
      if (verdict === 'drift') {
        for (const c of new Set((row.detail?.fields ?? []).map((f) => f.category))) driftByCategory[c] = (driftByCategory[c] ?? 0) + 1;
      }
      if (findings[verdict].length < limit) findings[verdict].push(findingOf(row));
      else if (verdict !== 'drift') break;
    }
  }
  return { findings, driftByCategory };
}

const EMAIL = /[^\s@"<>]+@[^\s@"<>]+\.[^\s@"<>]+/g;
const HIDDEN = '[e-mail hidden; --include-emails shows it]';

function redactValue(v: ViewValue | undefined, category: FieldCategory): ViewValue | undefined {
  if (v === undefined) return undefined;
  if (category === 'email' && typeof v === 'string') return HIDDEN;
  if (typeof v === 'string') return v.replace(EMAIL, HIDDEN);
  if (Array.isArray(v)) return (v as string[]).map((x) => x.replace(EMAIL, HIDDEN));
  return v;
}

/** A finding with every e-mail address replaced, unless the user asked for them. */
export function redactFinding(f: Finding, includeEmails: boolean): Finding {
  if (includeEmails) return f;
  return {
    ...f,
    ...(f.fields !== undefined
      ? { fields: f.fields.map((d) => ({ ...d, expected: redactValue(d.expected, d.category), actual: redactValue(d.actual, d.category) })) }
      : {}),
    ...(f.reason !== undefined ? { reason: f.reason.replace(EMAIL, HIDDEN) } : {}),
  };
}

export function redactReport(r: VerifyReport, includeEmails: boolean): VerifyReport {
  if (includeEmails) return { ...r, includesEmails: true };
  const findings = Object.fromEntries(Object.entries(r.findings).map(([k, list]) => [k, list.map((f) => redactFinding(f, false))])) as VerifyReport['findings'];
  return {
    ...r,
    findings,
    source: { ...r.source, rejects: r.source.rejects.map((x) => ({ ...x, reason: x.reason.replace(EMAIL, HIDDEN) })) },
    includesEmails: false,
  };
}

/** What a verification leaves in the ledger's runs table (and the run report shows). */
export interface VerifySummary {
  mode: 'full' | 'sample';
  counts: Record<Verdict, number>;
  driftByCategory: Partial<Record<FieldCategory, number>>;
  source: { read: number; valid: number; rejected: number };
  foreign: number;
  listing: VerifyReport['listing'];
  passwordUnconfirmed: number;
  requeued: number;
  sample?: SampleStatement;
  reads: VerifyReport['reads'];
  durationMs: number;
  exitCode: number;
  /** The first findings of each kind, by legacy id, with the names of drifted fields (no values). */
  findings: Record<string, Array<{ sourceId: string; fields: string[]; reason?: string }>>;
}

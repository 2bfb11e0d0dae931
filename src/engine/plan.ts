import type { MigrationConfig } from '../config/schema.ts';
import type { CensusReport } from '../hashes/census.ts';
import { fingerprintJson, type Ledger, type SourceReject } from '../ledger/index.ts';
import type { User } from '../model/index.ts';
import type { Mapper } from '../mapping/index.ts';
import type { Source } from '../sources/source.ts';
import type { PreflightReport } from '../preflight/index.ts';
import type { Target } from '../targets/target.ts';
import { targetCensus } from './census.ts';
import { DuplicateFinder, type DuplicateFinding, type IdentifierKind } from './duplicates.ts';

export interface PlanReport {
  target: string;
  source: { read: number; valid: number; rejected: number };
  actions: { create: number; update: number; unchanged: number; retryQueued: number; deadLettered: number; delete: number; reject: number };
  /** Invalid records (first 100), each with its position and reason. */
  rejects: SourceReject[];
  duplicates: { counts: Record<IdentifierKind, number>; samples: DuplicateFinding[] };
  hashCensus: CensusReport;
  /** Users the target would refuse for their password (policy `reject`), with the reasons. */
  passwordRejects: number;
  estimate: { users: number; batchSize: number; calls: number; concurrency: number; assumedCallMs: number; seconds: number };
  warnings: string[];
  /** The checks against the target (src/preflight); absent with `plan --offline`. */
  preflight?: PreflightReport;
}

export interface PlanDependencies {
  config: MigrationConfig;
  ledger: Ledger;
  source: Source;
  mapper: Mapper;
  target: Target;
  signal?: AbortSignal;
  /** Sees every valid user of the source once (the pre-flight checks against the target). */
  inspect?: (user: User) => void;
}

/**
 * Dry run: everything `run` would do up to the first call, and nothing written anywhere. Memory
 * stays flat: users are looked up in the ledger a chunk at a time and duplicates are tracked on disk.
 */
export async function planMigration(deps: PlanDependencies): Promise<PlanReport> {
  const { config, ledger, target } = deps;
  const { census, add: preview } = targetCensus(target);
  const dups = new DuplicateFinder();
  const report: PlanReport = {
    target: target.name,
    source: { read: 0, valid: 0, rejected: 0 },
    actions: { create: 0, update: 0, unchanged: 0, retryQueued: 0, deadLettered: 0, delete: 0, reject: 0 },
    rejects: [],
    duplicates: { counts: dups.counts, samples: dups.samples },
    hashCensus: census.toJSON(),
    passwordRejects: 0,
    estimate: { users: 0, batchSize: 0, calls: 0, concurrency: 0, assumedCallMs: 0, seconds: 0 },
    warnings: [],
  };
  const reject = (r: SourceReject) => {
    report.source.rejected += 1;
    report.actions.reject += 1;
    if (report.rejects.length < 100) report.rejects.push(r);
  };

  let chunk: Array<{ user: User; position: string; fingerprint: string }> = [];
  const flush = () => {
    if (chunk.length === 0) return;
    const known = ledger.peek(chunk.map((c) => c.user.sourceId));
    const repeated = dups.add(chunk);
    const fresh = chunk.filter((c, i) => {
      if (!repeated.has(i)) return true;
      reject({ position: c.position, sourceId: c.user.sourceId, reason: 'duplicate legacy id; this record would be skipped' });
      return false;
    });
    for (const { user, fingerprint } of fresh) {
      report.source.valid += 1;
      deps.inspect?.(user);
      if (preview(user).password === 'reject') {
        report.passwordRejects += 1;
        report.actions.reject += 1;
        continue;
      }
      const entry = known.get(user.sourceId);
      if (entry === undefined) report.actions.create += 1;
      else if (entry.fingerprint !== fingerprint || entry.op === 'delete') report.actions.update += 1;
      else if (entry.state === 'synced') report.actions.unchanged += 1;
      else if (entry.state === 'dead') report.actions.deadLettered += 1;
      else report.actions.retryQueued += 1;
    }
    chunk = [];
  };

  try {
    for await (const record of deps.source.read(deps.signal)) {
      report.source.read += 1;
      if (record.error !== undefined) {
        reject({ position: record.position, sourceId: undefined, reason: record.error });
        continue;
      }
      const mapped = deps.mapper.map(record);
      if (!mapped.ok) {
        reject({ position: record.position, sourceId: undefined, reason: mapped.reason });
        continue;
      }
      chunk.push({ user: mapped.user, position: record.position, fingerprint: fingerprintJson(JSON.stringify(mapped.user)) });
      if (chunk.length >= 1000) flush();
    }
    flush();
    for (const id of ledger.syncedIds()) if (!dups.has(id)) report.actions.delete += 1;
  } finally {
    dups.close();
  }

  report.hashCensus = census.toJSON();
  report.duplicates = { counts: { ...dups.counts }, samples: [...dups.samples] };
  const users = report.actions.create + report.actions.update + report.actions.retryQueued;
  const batchSize = Math.min(config.target.batchSize, target.capabilities.maxBatch);
  const calls = Math.ceil(users / batchSize);
  const concurrency = config.run.concurrency;
  const assumedCallMs = config.run.assumedCallMs;
  report.estimate = { users, batchSize, calls, concurrency, assumedCallMs, seconds: Math.ceil((calls * assumedCallMs) / concurrency / 1000) };
  report.warnings = warningsFor(report, config);
  return report;
}

function warningsFor(r: PlanReport, config: MigrationConfig): string[] {
  const w: string[] = [];
  const lost = r.hashCensus.mfa.usersMfaLost;
  if (lost > 0) w.push(`${lost} users have MFA factors the target cannot import: they will have to enrol again`);
  if (r.passwordRejects > 0) {
    w.push(`${r.passwordRejects} users would be refused for their password hash (target.unsupportedHash: ${config.target.unsupportedHash}); consider reset or verifier`);
  }
  const resets = r.hashCensus.byOutcome.reset ?? 0;
  if (resets > 0) w.push(`${resets} users will have to set a new password at first login`);
  for (const [kind, n] of Object.entries(r.duplicates.counts)) {
    if (n > 0) w.push(`${n} users share an ${kind} with another legacy user`);
  }
  const total = r.actions.unchanged + r.actions.update + r.actions.delete;
  if (r.actions.delete > 0 && total > 0) {
    const pct = (r.actions.delete / total) * 100;
    w.push(
      `${r.actions.delete} users (${pct.toFixed(1)} %) are in the target but no longer in the source; ` +
        `run --deletes would ${r.actions.delete > config.run.maxDeletes || pct > config.run.maxDeletePercent ? 'REFUSE (above the safety cap)' : 'delete them'}`,
    );
  }
  return w;
}

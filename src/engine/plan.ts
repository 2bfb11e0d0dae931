import type { MigrationConfig } from '../config/schema.ts';
import type { CensusReport } from '../hashes/census.ts';
import { fingerprintJson, type Ledger, type SourceReject } from '../ledger/index.ts';
import type { User } from '../model/index.ts';
import type { Mapper } from '../mapping/index.ts';
import { addNotes, emptyNotes, notesByCount } from '../mapping/notes.ts';
import type { Source } from '../sources/source.ts';
import type { PreflightReport } from '../preflight/index.ts';
import type { Target } from '../targets/target.ts';
import { targetCensus } from './census.ts';
import { checkDeleteCap, formatPercent } from './deletes.ts';
import { DuplicateFinder, type DuplicateFinding, type IdentifierKind } from './duplicates.ts';
import { estimateRun, type RunEstimate } from './estimate.ts';
import { identifierCheck } from './identifier-policy.ts';

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
  /**
   * Users who migrate with something noted (issue 31): an invalid optional field dropped
   * (mapping.onInvalidField: drop), an odd legacy id, no hash in a vendor's hash export.
   * Counted per note; the first 100 users listed with all their notes.
   */
  notes: { users: number; byNote: Array<{ note: string; count: number }>; samples: Array<{ position: string; sourceId: string; notes: string[] }> };
  /** Valid users held back for an email, phone or username another user has (run.duplicateIdentifiers). */
  duplicateRejects: number;
  /** Users the target holds (per the ledger): what a delete share is a share of. */
  held: number;
  estimate: RunEstimate;
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
  const identifiers = await identifierCheck(config.run.duplicateIdentifiers, {
    source: deps.source,
    mapper: deps.mapper,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const report: PlanReport = {
    target: target.name,
    source: { read: 0, valid: 0, rejected: 0 },
    actions: { create: 0, update: 0, unchanged: 0, retryQueued: 0, deadLettered: 0, delete: 0, reject: 0 },
    rejects: [],
    duplicates: { counts: dups.counts, samples: dups.samples },
    hashCensus: census.toJSON(),
    passwordRejects: 0,
    notes: { users: 0, byNote: [], samples: [] },
    duplicateRejects: 0,
    estimate: estimateRun({ users: 0, deletes: 0, records: 0, batchSize: 1, concurrency: 1, assumedCallMs: 0, runs: [] }),
    held: 0,
    warnings: [],
  };
  const reject = (r: SourceReject) => {
    report.source.rejected += 1;
    report.actions.reject += 1;
    if (report.rejects.length < 100) report.rejects.push(r);
  };

  const notes = emptyNotes();
  let chunk: Array<{ user: User; position: string; fingerprint: string }> = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const known = await ledger.peek(chunk.map((c) => c.user.sourceId));
    const repeated = dups.add(chunk);
    const fresh = chunk.filter((c, i) => {
      if (!repeated.has(i)) return true;
      reject({ position: c.position, sourceId: c.user.sourceId, reason: 'duplicate legacy id; this record would be skipped' });
      return false;
    });
    // Users sharing an email, phone or username: held back as `run` would (run.duplicateIdentifiers).
    const held = identifiers?.check(fresh) ?? new Map<number, string>();
    for (const [i, { user, fingerprint, position }] of fresh.entries()) {
      const reason = held.get(i);
      const entry = known.get(user.sourceId);
      report.source.valid += 1;
      if (reason !== undefined && !(entry?.state === 'synced' && entry.op === 'upsert' && entry.fingerprint === fingerprint)) {
        // A valid record, rejected for what it shares with another (`run` lists it with the rejects).
        report.actions.reject += 1;
        report.duplicateRejects += 1;
        if (report.rejects.length < 100) report.rejects.push({ position, sourceId: user.sourceId, reason: reason.replace('not sent', 'would not be sent').replace('neither is sent', 'neither would be sent') });
        continue;
      }
      deps.inspect?.(user);
      if (preview(user).password === 'reject') {
        report.passwordRejects += 1;
        report.actions.reject += 1;
        continue;
      }
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
      if (mapped.notes) addNotes(notes, record.position, mapped.user.sourceId, mapped.notes);
      chunk.push({ user: mapped.user, position: record.position, fingerprint: fingerprintJson(JSON.stringify(mapped.user)) });
      if (chunk.length >= 1000) await flush();
    }
    await flush();
    for await (const ids of ledger.syncedIds()) {
      report.held += ids.length;
      for (const id of ids) if (!dups.has(id)) report.actions.delete += 1;
    }
  } finally {
    dups.close();
    identifiers?.close();
  }

  report.notes = { users: notes.users, byNote: notesByCount(notes), samples: notes.samples };
  report.hashCensus = census.toJSON();
  report.duplicates = { counts: { ...dups.counts }, samples: [...dups.samples] };
  const users = report.actions.create + report.actions.update + report.actions.retryQueued;
  const batchSize = Math.min(config.target.batchSize, target.capabilities.maxBatch);
  report.estimate = estimateRun({
    users,
    deletes: report.actions.delete,
    records: report.source.read,
    batchSize,
    concurrency: config.run.concurrency,
    assumedCallMs: config.run.assumedCallMs,
    runs: (await ledger.stats()).runs,
  });
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
  if (r.notes.users > 0) w.push(`${r.notes.users} users migrate with notes (dropped invalid fields, odd legacy ids, no hash in the export): see "notes"`);
  const resets = r.hashCensus.byOutcome.reset ?? 0;
  if (resets > 0) w.push(`${resets} users will have to set a new password at first login`);
  for (const [kind, n] of Object.entries(r.duplicates.counts)) {
    if (n > 0) w.push(`${n} users share an ${kind} with another legacy user`);
  }
  if (r.duplicateRejects > 0) {
    w.push(`${r.duplicateRejects} users would not be sent for an email, phone or username another user has (run.duplicateIdentifiers: ${config.run.duplicateIdentifiers})`);
  }
  if (r.actions.delete > 0) {
    const cap = checkDeleteCap(r.actions.delete, r.held, { maxCount: config.run.maxDeletes, maxPercent: config.run.maxDeletePercent });
    w.push(
      `${r.actions.delete} users (${formatPercent(cap.percent)} of the ${r.held} in the target) are no longer in the source; ` +
        `run --deletes would ${cap.refusal !== undefined ? 'REFUSE (above the safety cap)' : 'delete them'}`,
    );
  }
  return w;
}

import { newOwnerId } from '../ledger/index.ts';
import type { VerifyDependencies } from './dependencies.ts';
import { AdaptiveReads } from './reads.ts';
import { collectFindings, problemCount, redactFinding, type VerifyReport, type VerifySummary } from './report.ts';
import { sampleStatement } from './sample.ts';
import { openState } from './state.ts';
import { VerifyStore } from './store.ts';
import { Verification } from './verification.ts';

/**
 * Reconciles source ↔ ledger ↔ target, resumably:
 * 1. the source, read again through the mapping: each user's target state is read (all, or a random
 *    sample) and compared field by field with what the adapter sends for it; the ledger and the
 *    sync's inbox tell in-flight and dead-lettered users from drift;
 * 2. the ledger's users that left the source: each is looked up (the target should not have it);
 * 3. in full mode, the target's listing: users under this migration's ids the first two did not
 *    explain (a second copy of a user, a user the ledger deleted) are unexpected.
 * Progress lives in the ledger's file (verify_* tables): a killed verification resumes.
 */
export async function verifyMigration(deps: VerifyDependencies): Promise<VerifyReport> {
  const { ledger, reader, signal } = deps;
  const started = Date.now();
  if (ledger.file === undefined) throw new Error('verify keeps its progress in the SQLite ledger; this ledger has no file');
  // Credentials and the pool first: a refused client stops here, before any progress is recorded.
  await reader.open();
  const store = new VerifyStore(ledger.file);
  const owner = newOwnerId();
  let runId: number | undefined;
  try {
    store.claim(owner);
    const state = await openState(deps, store, owner);
    runId = state.runId;
    const reads = new AdaptiveReads({
      initial: deps.concurrency.initial,
      max: deps.concurrency.max,
      maxAttempts: deps.maxAttempts,
      ...(deps.concurrency.queueingTolerance !== undefined ? { queueingTolerance: deps.concurrency.queueingTolerance } : {}),
      ...(signal ? { signal } : {}),
    });
    const run = new Verification(deps, store, state, reads);
    const source = await run.sourcePass();
    if (!signal?.aborted && state.phase === 'reads') await run.queuedReads();
    if (!signal?.aborted && state.phase === 'ledger') await run.ledgerPass();
    let listing: VerifyReport['listing'];
    if (state.mode === 'sample') listing = { done: false, users: 0, skipped: 'sample mode: users the migration does not know of are found by a full verify only' };
    else if (deps.skipListing === true) listing = { done: false, users: state.listed, skipped: '--no-list' };
    else listing = { done: state.phase === 'done', users: state.listed };
    if (!signal?.aborted && state.phase === 'list') {
      if (listing.skipped !== undefined) run.finishListing();
      else listing = await run.listPass();
    }
    await run.flush(true);
    const interrupted = signal?.aborted === true;
    const complete = state.phase === 'done';
    if (complete) store.settleGone();
    // A sample's queue holds users' payloads (hashes included): nothing of it outlives the verification.
    if (complete) store.clearQueue();
    const counts = store.counts();
    const { findings, driftByCategory } = collectFindings(store, deps.maxFindings ?? 1000);
    const readSeconds = state.reads.activeMs / 1000;
    const report: VerifyReport = {
      verification: state.id,
      status: interrupted ? 'interrupted' : complete ? 'completed' : 'incomplete',
      mode: state.mode,
      resumes: state.resumes,
      target: deps.config.target.kind,
      source,
      counts,
      driftByCategory,
      passwordUnconfirmed: run.passwordUnconfirmed,
      foreign: state.foreign,
      listing,
      findings,
      requeued: run.requeued,
      blindSpots: reader.blindSpots,
      reads: {
        calls: state.reads.calls,
        throttled: state.reads.throttled,
        retries: state.reads.retries,
        seconds: Math.round(readSeconds * 10) / 10,
        callsPerSecond: readSeconds > 0 ? Math.round((state.reads.calls / readSeconds) * 10) / 10 : 0,
        answeredPerSecond: readSeconds > 0 ? Math.round(((state.reads.calls - state.reads.throttled) / readSeconds) * 10) / 10 : 0,
        maxConcurrency: state.reads.maxConcurrency,
      },
      durationMs: Date.now() - started,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 10_000) / 100,
      includesEmails: false,
      exitCode: 0,
    };
    if (state.mode === 'sample') {
      const read = counts.ok + counts.missing + counts.drift + counts.dead + counts.inflight;
      report.sample = sampleStatement(run.population, read, counts.missing + counts.drift + counts.dead);
    }
    report.exitCode = interrupted ? 130 : !complete || counts.unreadable > 0 ? 1 : problemCount(report) > 0 ? 3 : 0;
    await ledger.finishRun(state.runId, report.status, summaryForLedger(report));
    return report;
  } catch (err) {
    // The verification stays resumable; its run record says why it stopped.
    if (runId !== undefined) await ledger.finishRun(runId, 'failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    const s = store.state();
    if (s?.owner === owner) {
      delete s.owner;
      store.saveState(s);
    }
    store.close();
  }
}

/** What the ledger keeps of a verification (runs table): counts and the sample statement, no user data. */
function summaryForLedger(r: VerifyReport): Record<string, unknown> {
  const summary: VerifySummary = {
    mode: r.mode,
    counts: r.counts,
    driftByCategory: r.driftByCategory,
    source: { read: r.source.read, valid: r.source.valid, rejected: r.source.rejected },
    foreign: r.foreign,
    listing: r.listing,
    passwordUnconfirmed: r.passwordUnconfirmed,
    requeued: r.requeued,
    ...(r.sample ? { sample: r.sample } : {}),
    reads: r.reads,
    durationMs: r.durationMs,
    exitCode: r.exitCode,
    // Ids only: a report built from this never shows an e-mail address or a value.
    findings: Object.fromEntries(Object.entries(r.findings).map(([k, list]) => [k, list.slice(0, 20).map((x) => redactFinding(x, false)).map((f) => ({ sourceId: f.sourceId, fields: (f.fields ?? []).map((d) => d.field), ...(f.reason !== undefined && k !== 'drift' ? { reason: f.reason } : {}) }))])),
  };
  return summary as unknown as Record<string, unknown>;
}

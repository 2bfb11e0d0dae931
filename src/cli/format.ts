import { formatPercent } from '../engine/deletes.ts';
import type { RunSummary } from '../engine/run.ts';
import type { PlanReport } from '../engine/plan.ts';
import { notesByCount, type MappingNotes } from '../mapping/notes.ts';
import type { LedgerStats } from '../ledger/index.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function formatRunSummary(s: RunSummary, maxRejects = 20): string {
  const lines: string[] = [];
  const st = s.staged;
  const d = s.delivered;
  lines.push(`Run ${s.runId} ${s.status} in ${(s.durationMs / 1000).toFixed(1)} s${s.incremental ? ' (incremental: only records changed since the last run were read)' : ''}`);
  lines.push(
    `  source:   ${n(st.read)} records read — ${n(st.new)} new, ${n(st.changed)} changed, ${n(st.unchanged)} unchanged, ` +
      `${n(st.queued)} still queued from earlier, ${n(st.dead)} dead-lettered earlier, ${n(st.rejected)} rejected`,
  );
  lines.push(
    `  target:   ${n(d.created)} created, ${n(d.updated)} updated, ${n(d.deleted)} deleted, ${n(d.dead)} refused, ` +
      `${n(d.retried)} retries, ${n(d.calls)} calls (${n(d.throttled)} throttled), ${n(s.usersPerSecond)} users/s, ` +
      `up to ${s.maxConcurrency} concurrent${s.queueingWindows > 0 ? ` (held back ${n(s.queueingWindows)}× as the target queued calls)` : ''}, peak memory ${n(s.peakRssMb)} MB, ${s.cpuSeconds.toFixed(1)} s of CPU`,
  );
  if (d.created + d.updated + d.deleted === 0 && s.status === 'completed') lines.push(`  ${nothingReached(s)}`);
  if (s.rejects.length > 0) {
    lines.push(`  rejected records (${n(st.rejected)}):`);
    for (const r of [...s.rejects].sort(byPosition).slice(0, maxRejects)) {
      lines.push(`    ${r.position}${r.sourceId ? ` (${r.sourceId})` : ''}: ${r.reason}`);
    }
    if (st.rejected > maxRejects) lines.push(`    … ${n(st.rejected - maxRejects)} more (ciam-migrate status --json)`);
  }
  lines.push(...notesLines(st.notes));
  if (s.deadLetters > 0) {
    lines.push(`  dead letters in the ledger: ${n(s.deadLetters)} (details: ciam-migrate status; send again: ciam-migrate retry)`);
    for (const r of s.deadByReason.slice(0, 10)) lines.push(`    ${n(r.count)} × ${r.reason}`);
  }
  if (s.deletes.kind === 'refused') lines.push(`  DELETES REFUSED: ${s.deletes.reason}`);
  else if (s.deletes.kind === 'queued') {
    lines.push(`  deletes: ${n(s.deletes.count)} users that left the source were queued for deletion (${formatPercent(s.deletes.percent)} of the users in the target)`);
  }
  else if (s.missingFromSource > 0) {
    lines.push(`  ${n(s.missingFromSource)} users in the target are no longer in the source (not deleted; use --deletes)`);
  }
  if (s.bisectionCalls > 0) lines.push(`  ${n(s.bisectionCalls)} extra calls were spent isolating refused records`);
  return lines.join('\n');
}

/**
 * What happened in a run that changed nothing in the target. "Up to date" only when it is true:
 * a run whose every user was refused or rejected must say so.
 */
function nothingReached(s: RunSummary): string {
  const st = s.staged;
  const d = s.delivered;
  if (d.dead > 0) return `no user reached the target: all ${n(d.dead)} users sent were refused (reasons below)`;
  const valid = st.new + st.changed + st.unchanged + st.queued + st.dead;
  if (st.read === 0) return 'nothing to send: the source returned no records';
  if (valid === 0) return `nothing was sent: all ${n(st.read)} records read were rejected (reasons below)`;
  const held: string[] = [];
  if (st.rejected > 0) held.push(`${n(st.rejected)} records were rejected (below)`);
  if (st.dead > 0) held.push(`${n(st.dead)} users stay dead-lettered from earlier runs (ciam-migrate retry)`);
  if (held.length > 0) return `nothing to send: ${n(st.unchanged)} users are up to date in the target; ${held.join('; ')}`;
  return 'nothing to send: every user in the target is up to date';
}

/** Rejects arrive in chunk order (duplicates are found later than mapping errors): show them by line. */
function byPosition(a: { position: string }, b: { position: string }): number {
  const num = (p: string) => Number(/\d+/.exec(p)?.[0] ?? Number.MAX_SAFE_INTEGER);
  return num(a.position) - num(b.position) || a.position.localeCompare(b.position);
}

export function formatStatus(name: string, stats: LedgerStats): string {
  const b = stats.byState;
  const lines = [
    `Migration ${name}: ${n(stats.total)} users in the ledger`,
    `  synced ${n(b.synced)}, pending ${n(b.pending)}, in flight ${n(b.leased)}, dead-lettered ${n(b.dead)}, deleted ${n(b.deleted)}`,
  ];
  if (stats.deadByReason.length > 0) {
    lines.push('  dead letters by reason:');
    for (const r of stats.deadByReason.slice(0, 20)) lines.push(`    ${n(r.count)} × ${r.reason}`);
  }
  const last = stats.runs[0];
  if (last) {
    lines.push(`  last run: #${last.id} ${last.kind} ${last.status}, started ${last.startedAt}${last.finishedAt ? `, finished ${last.finishedAt}` : ''}`);
  }
  const lastRun = stats.runs.find((r) => r.kind === 'run' && r.status !== 'running');
  const notes = (lastRun?.summary['staged'] as { notes?: MappingNotes } | undefined)?.notes;
  if (lastRun && notes) lines.push(...notesLines(notes, `run #${lastRun.id}: `));
  return lines.join('\n');
}

/** Users that migrated with notes, counted by note (none: no lines). */
function notesLines(notes: MappingNotes, prefix = ''): string[] {
  if (notes.users === 0) return [];
  const lines = [`  ${prefix}${n(notes.users)} users migrate with notes (dropped invalid fields, odd legacy ids, no hash in the export):`];
  for (const x of notesByCount(notes).slice(0, 10)) lines.push(`    ${n(x.count)} × ${x.note}`);
  return lines;
}

export function formatPlan(p: PlanReport): string {
  const a = p.actions;
  const lines = [
    `Plan for ${p.target} (dry run: nothing was sent or written)`,
    `  source:  ${n(p.source.read)} records, ${n(p.source.valid)} valid, ${n(p.source.rejected)} rejected`,
    `  actions: ${n(a.create)} to create, ${n(a.update)} to update, ${n(a.unchanged)} unchanged, ${n(a.retryQueued)} queued from earlier, ` +
      `${n(a.deadLettered)} dead-lettered, ${n(a.delete)} no longer in the source, ${n(a.reject)} to reject`,
    `  estimate: ${estimateLine(p.estimate)}`,
    '  password hashes:',
  ];
  for (const [format, f] of Object.entries(p.hashCensus.byFormat)) {
    const outcomes = Object.entries(f.outcomes).map(([o, c]) => `${o} ${n(c ?? 0)}`).join(', ');
    lines.push(`    ${format.padEnd(22)} ${n(f.users).padStart(9)}  (${outcomes})`);
  }
  const mfa = p.hashCensus.mfa;
  if (mfa.usersWithMfa > 0) lines.push(`  MFA: ${n(mfa.usersWithMfa)} users with factors, ${n(mfa.usersMfaLost)} would lose them (MFA lost)`);
  const dupKinds = Object.entries(p.duplicates.counts).filter(([, c]) => c > 0);
  if (dupKinds.length > 0) {
    lines.push(`  duplicates inside the source: ${dupKinds.map(([k, c]) => `${n(c)} ${k}`).join(', ')}`);
    for (const d of p.duplicates.samples.slice(0, 10)) {
      lines.push(`    ${d.kind} of ${d.sourceId} (${d.position}) is also on ${d.firstSourceId} (${d.firstPosition})`);
    }
  }
  if (p.rejects.length > 0) {
    lines.push(`  rejected records (${n(p.source.rejected + p.duplicateRejects)}):`);
    for (const r of [...p.rejects].sort(byPosition).slice(0, 20)) lines.push(`    ${r.position}: ${r.reason}`);
  }
  if (p.notes.users > 0) {
    lines.push(`  notes (${n(p.notes.users)} users migrate with these):`);
    for (const x of p.notes.byNote.slice(0, 20)) lines.push(`    ${n(x.count).padStart(9)}  ${x.note}`);
    lines.push('  users with notes (first 20):');
    for (const u of p.notes.samples.slice(0, 20)) lines.push(`    ${u.position} (${u.sourceId}): ${u.notes.join('; ')}`);
  }
  for (const w of p.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

function estimateLine(e: PlanReport['estimate']): string {
  const calls = `${n(e.users)} users in ${n(e.calls)} calls of ${e.batchSize} at concurrency ${e.concurrency} ≈ ${formatDuration(e.seconds)}`;
  const deletes = e.deleteCalls > 0 ? `; with --deletes, ${n(e.deleteCalls)} DELETE calls come on top` : '';
  if (e.basis === 'guess') {
    return `${calls} — a guess: no earlier run has measured this target, so each call is assumed to take ${e.assumedCallMs} ms (run.assumedCallMs)${deletes}`;
  }
  const runs = e.measuredRuns.map((id) => `#${id}`).join(', ');
  const read = e.readSeconds !== undefined ? `, reading the source ≈ ${formatDuration(e.readSeconds)}` : '';
  return `${calls} (measured in run ${runs}: ${n(e.callMs)} ms per call${read})${deletes}`;
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

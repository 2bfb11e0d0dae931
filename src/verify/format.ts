import type { ViewValue } from '../targets/target.ts';
import { FINDING_VERDICTS, problemCount, type Finding, type FindingVerdict, type VerifyReport } from './report.ts';

const n = (x: number) => x.toLocaleString('en-US');

const TITLES: Record<FindingVerdict, string> = {
  missing: 'missing in the target',
  drift: 'drifted (target differs from the source)',
  unexpected: 'unexpected in the target',
  dead: 'dead-lettered (missing or drifted; the migration gave up on them)',
  refused: 'never sent (the adapter refuses them)',
  gone: 'deleted at the source, still in the target per the ledger (not read)',
  unreadable: 'unreadable (the target did not answer for them)',
  inflight: 'in flight (not judged: a change is on its way)',
};

function value(v: ViewValue | undefined): string {
  if (v === undefined) return '(none)';
  return JSON.stringify(v);
}

function line(f: Finding): string {
  const who = f.sourceId.startsWith('target:') ? `target user ${f.targetKey}` : f.sourceId;
  const what =
    f.fields !== undefined && f.fields.length > 0
      ? f.fields.map((d) => `${d.field} ${value(d.expected)} → target ${value(d.actual)}`).join('; ')
      : f.found === 'missing'
        ? 'not in the target'
        : undefined;
  const text = what !== undefined ? `${who}: ${what}` : who;
  if (f.reason === undefined) return text;
  return what !== undefined ? `${text} — ${f.reason}` : `${text}: ${f.reason}`;
}

/** The human summary of `ciam-migrate verify`. */
export function formatVerify(r: VerifyReport, configFile: string, maxPerKind = 20): string {
  const c = r.counts;
  const lines: string[] = [];
  lines.push(
    `Verify #${r.verification} of ${r.target} (${r.mode === 'sample' ? 'random sample' : 'every user'}, ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s` +
      `${r.resumes > 0 ? `, resumed ${r.resumes}×` : ''})`,
  );
  lines.push(`  source:   ${n(r.source.read)} records, ${n(r.source.valid)} valid, ${n(r.source.rejected)} invalid (never migrated)`);
  const judged = c.ok + c.missing + c.drift + c.inflight + c.dead + c.unreadable;
  lines.push(
    `  target:   ${n(c.ok)} match, ${n(c.missing)} missing, ${n(c.drift)} drifted, ${n(c.unexpected)} unexpected, ${n(c.dead)} dead-lettered, ` +
      `${n(c.refused)} never sent, ${n(c.unreadable)} unreadable; ${n(c.inflight)} in flight (reported apart)` +
      `${c.unsampled > 0 ? `; ${n(c.unsampled)} not sampled` : ''} — ${n(judged)} users read`,
  );
  const categories = Object.entries(r.driftByCategory).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  if (categories.length > 0) lines.push(`  drift by field: ${categories.map(([k, v]) => `${k} ${n(v ?? 0)}`).join(', ')}`);
  if (c['gone-absent'] > 0 || c.gone > 0) {
    lines.push(`  left the source: ${n(c['gone-absent'])} gone from the target too${c.gone > 0 ? `, ${n(c.gone)} not read (the ledger says the target has them)` : ''}`);
  }
  if (r.listing.skipped !== undefined) lines.push(`  listing:  not done (${r.listing.skipped})`);
  else if (r.listing.error !== undefined) lines.push(`  listing:  INCOMPLETE after ${n(r.listing.users)} users: ${r.listing.error}`);
  else lines.push(`  listing:  ${n(r.listing.users)} users of the target listed; ${n(r.foreign)} not created by this migration (left alone)`);
  if (r.sample !== undefined) lines.push(`  sample:   ${r.sample.text}`);
  lines.push(
    `  reads:    ${n(r.reads.calls)} calls in ${r.reads.seconds} s (${n(r.reads.callsPerSecond)}/s), ${n(r.reads.throttled)} throttled, ${n(r.reads.retries)} retries, up to ${r.reads.maxConcurrency} at once; peak memory ${n(r.peakRssMb)} MB`,
  );
  for (const b of r.blindSpots) lines.push(`  note:     ${b}${r.passwordUnconfirmed > 0 ? ` (${n(r.passwordUnconfirmed)} users' hash algorithm not confirmed)` : ''}`);
  for (const kind of FINDING_VERDICTS) {
    const list = r.findings[kind];
    const total = kind === 'gone' ? c.gone : c[kind];
    if (total === 0) continue;
    lines.push(`  ${TITLES[kind]} (${n(total)}):`);
    for (const f of list.slice(0, maxPerKind)) lines.push(`    ${line(f)}`);
    if (total > maxPerKind) lines.push(`    … ${n(total - maxPerKind)} more (ciam-migrate verify -c ${configFile} --json)`);
  }
  if (r.source.rejected > 0) {
    lines.push(`  invalid source records (${n(r.source.rejected)}):`);
    for (const x of r.source.rejects.slice(0, maxPerKind)) lines.push(`    ${x.position}: ${x.reason}`);
  }
  if (r.requeued > 0) lines.push(`  requeued: ${n(r.requeued)} users are back in the queue: ciam-migrate run -c ${configFile} repairs them`);
  lines.push(verdictLine(r, configFile));
  return lines.join('\n');
}

function verdictLine(r: VerifyReport, configFile: string): string {
  if (r.status === 'interrupted') return `Stopped before the end. Resume with: ciam-migrate verify -c ${configFile}`;
  if (r.exitCode === 1) {
    return `Result: not verified (exit 1): ${r.counts.unreadable > 0 ? `${n(r.counts.unreadable)} users could not be read` : r.listing.error ?? 'the verification is incomplete'}. Run verify again to retry what is missing.`;
  }
  const problems = problemCount(r);
  if (problems === 0) {
    const pending = r.counts.inflight > 0 ? ` (${n(r.counts.inflight)} in flight: verify again once applied)` : '';
    return `Result: zero drift (exit 0)${pending}`;
  }
  const repair = r.requeued > 0 ? `run: ciam-migrate run -c ${configFile}` : `ciam-migrate verify -c ${configFile} --requeue, then ciam-migrate run -c ${configFile}`;
  const unexpected = r.counts.unexpected + r.counts.gone > 0 ? '; users deleted at the source: ciam-migrate run -c ' + configFile + ' --full --deletes' : '';
  return `Result: ${n(problems)} findings (exit 3). Repair missing and drifted users with ${repair}${unexpected}`;
}

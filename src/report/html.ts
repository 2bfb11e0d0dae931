import type { MigrationReport, ThroughputPoint } from './build.ts';

const esc = (v: unknown): string =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const n = (x: number) => x.toLocaleString('en-US');

function table(headers: string[], rows: Array<Array<string | number>>): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td${typeof c === 'number' ? ' class="num"' : ''}>${esc(typeof c === 'number' ? n(c) : c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** An inline SVG line chart: no scripts, no external assets, so the page works offline and in mail. */
function chart(points: ThroughputPoint[]): string {
  if (points.length < 2) return '<p class="none">too short a run to chart</p>';
  const w = 720;
  const h = 200;
  const pad = 40;
  const maxT = Math.max(...points.map((p) => p.t), 1);
  const maxY = Math.max(...points.map((p) => p.usersPerSecond), 1);
  const x = (t: number) => pad + ((w - 2 * pad) * t) / maxT;
  const y = (v: number) => h - pad + (-(h - 2 * pad) * v) / maxY;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.usersPerSecond).toFixed(1)}`).join(' ');
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="users per second over time">
  <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" class="axis"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" class="axis"/>
  <text x="${pad}" y="${pad - 8}">${n(maxY)} users/s</text><text x="${w - pad}" y="${h - pad + 16}" text-anchor="end">${(maxT / 1000).toFixed(0)} s</text>
  <path d="${line}" class="series"/></svg>`;
}

/** The latest `verify`: the go-live gate's figures, and its findings by legacy id (no values). */
function verifySection(r: MigrationReport): string {
  const v = r.latestVerify;
  if (v === undefined) return '<h2>Verification</h2><p class="none">Not verified yet: ciam-migrate verify reads the target back.</p>';
  const s = v.summary;
  const c = s.counts;
  const gate = s.exitCode === 0 ? 'zero drift' : s.exitCode === 3 ? 'drift found' : s.exitCode === 130 ? 'interrupted' : 'not verified';
  const rows: Array<Array<string | number>> = [];
  for (const [kind, list] of Object.entries(s.findings)) {
    for (const f of list) rows.push([kind, f.sourceId, f.fields.length > 0 ? f.fields.join(', ') : (f.reason ?? '')]);
  }
  const byField = Object.entries(s.driftByCategory).map(([k, x]) => `${k} ${n(x ?? 0)}`).join(', ');
  return `<h2>Verification (#${v.run.id}, ${esc(v.run.finishedAt ?? v.run.startedAt)}): ${esc(gate)}</h2>
<div class="cards">
<div class="card ${c.ok > 0 ? 'ok' : ''}"><b>${n(c.ok)}</b>match</div>
<div class="card bad"><b>${n(c.missing)}</b>missing</div>
<div class="card bad"><b>${n(c.drift)}</b>drifted</div>
<div class="card bad"><b>${n(c.unexpected + c.gone)}</b>unexpected</div>
<div class="card"><b>${n(c.inflight)}</b>in flight</div>
<div class="card bad"><b>${n(c.dead + c.refused)}</b>dead-lettered / never sent</div>
</div>
<p>${s.mode === 'sample' ? `Random sample: ${esc(s.sample?.text ?? '')}.` : `Every user read; ${s.listing.done ? `${n(s.listing.users)} target users listed, ${n(s.foreign)} not created by this migration.` : `listing not complete${s.listing.skipped ? ` (${esc(s.listing.skipped)})` : s.listing.error ? ` (${esc(s.listing.error)})` : ''}.`}`}
${byField ? ` Drift by field: ${esc(byField)}.` : ''} ${n(s.reads.calls)} reads at ${n(s.reads.callsPerSecond)}/s, ${n(s.reads.throttled)} throttled.</p>
<h3>Findings (first of each kind; values and e-mails are not kept)</h3>${table(['kind', 'legacy id', 'fields or reason'], rows)}`;
}

export function renderReportHtml(r: MigrationReport): string {
  const run = r.latestRun;
  const s = (run?.run.summary ?? {}) as {
    staged?: Record<string, number>;
    delivered?: Record<string, number>;
    durationMs?: number;
    deletes?: { kind: string; count?: number; reason?: string };
  };
  const census = run?.census;
  const censusRows = census
    ? Object.entries(census.byFormat).map(([format, f]) => [format, f.users, Object.entries(f.outcomes).map(([o, c]) => `${o} ${n(c ?? 0)}`).join(', ')])
    : [];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ciam-migrate report: ${esc(r.name)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{padding:.3rem .5rem;border-bottom:1px solid #eef;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}.cards{display:flex;gap:.75rem;flex-wrap:wrap}
.card{border:1px solid #dde;border-radius:8px;padding:.6rem 1rem;min-width:8rem}.card b{display:block;font-size:1.4rem}
.bad b{color:#b3261e}.ok b{color:#1e7b34}.none{color:#777}svg{width:100%;height:auto}.axis{stroke:#999}.series{fill:none;stroke:#2457c5;stroke-width:2}
text{font-size:11px;fill:#555}footer{margin-top:3rem;color:#777;font-size:12px}
</style></head><body>
<h1>Migration report: ${esc(r.name)}</h1>
<p>Target: ${esc(r.target.kind)} at ${esc(r.target.host)} · generated ${esc(r.generatedAt)}${r.includesEmails ? ' · <strong>contains e-mail addresses</strong>' : ''}</p>
<div class="cards">
<div class="card ok"><b>${n(r.ledger.synced)}</b>in the target</div>
<div class="card"><b>${n(r.ledger.pending + r.ledger.leased)}</b>still queued</div>
<div class="card bad"><b>${n(r.ledger.dead)}</b>dead letters</div>
<div class="card"><b>${n(r.ledger.deleted)}</b>deleted</div>
<div class="card"><b>${n(r.ledger.total)}</b>legacy users known</div>
</div>
${
  run
    ? `<h2>Latest run (#${run.run.id}, ${esc(run.run.status)})</h2>
<p>${esc(run.run.startedAt)} → ${esc(run.run.finishedAt ?? '…')} · ${((s.durationMs ?? 0) / 1000).toFixed(1)} s ·
source: ${n(s.staged?.read ?? 0)} records, ${n(s.staged?.new ?? 0)} new, ${n(s.staged?.changed ?? 0)} changed, ${n(s.staged?.unchanged ?? 0)} unchanged, ${n(s.staged?.rejected ?? 0)} rejected ·
target: ${n(s.delivered?.created ?? 0)} created, ${n(s.delivered?.updated ?? 0)} updated, ${n(s.delivered?.deleted ?? 0)} deleted, ${n(s.delivered?.dead ?? 0)} refused, ${n(s.delivered?.retried ?? 0)} retries, ${n(s.delivered?.throttled ?? 0)} throttled calls ·
bisection cost: ${n(run.bisectionCalls)} extra calls${s.deletes?.kind === 'refused' ? ` · <strong>deletes refused</strong>: ${esc(s.deletes.reason ?? '')}` : ''}</p>
<h3>Throughput</h3>${chart(run.throughput)}
<h3>Invalid source records by reason</h3>${table(['reason', 'records'], run.rejectsByReason.map((x) => [x.reason, x.count]))}
<h3>Users migrated with notes (${n(run.notes.users)})</h3>${table(['note', 'users'], run.notes.byNote.map((x) => [x.note, x.count]))}
<h3>Password hashes</h3>${table(['format', 'users', 'outcome'], censusRows)}
<p>MFA: ${n(census?.mfa.usersWithMfa ?? 0)} users with factors; <strong>${n(census?.mfa.usersMfaLost ?? 0)} lose them</strong> (MFA lost: they must enrol again).</p>`
    : '<p class="none">No run yet.</p>'
}
${verifySection(r)}
<h2>Failures by reason (dead letters)</h2>${table(['reason', 'users'], r.failuresByReason.map((x) => [x.reason, x.count]))}
<h2>Dead-lettered users</h2>${table(r.includesEmails ? ['legacy id', 'e-mail', 'reason'] : ['legacy id', 'reason'], r.deadLetters.map((d) => (r.includesEmails ? [d.sourceId, d.email ?? '', d.reason] : [d.sourceId, d.reason])))}
<h2>Runs</h2>${table(['#', 'kind', 'status', 'started', 'finished'], r.runs.map((x) => [String(x.id), x.kind, x.status, x.startedAt, x.finishedAt ?? '']))}
<footer>ciam-migrate · this page holds no secrets and no password hashes${r.includesEmails ? '' : ' · e-mail addresses left out (report --include-emails adds them)'}</footer>
</body></html>
`;
}

import type { PreflightReport } from './index.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** The pre-flight part of `plan`'s human output. */
export function formatPreflight(p: PreflightReport | undefined): string {
  if (p === undefined) return '  target checks: skipped (--offline)';
  const errors = p.problems.filter((x) => x.severity === 'error').length;
  const lines = [
    `  target checks: ${n(p.calls)} read-only calls, ${n(p.listed)} target users listed${p.listingComplete ? '' : ' (not all)'}; ${errors === 0 ? 'no blocking problem' : `${errors} blocking problem${errors === 1 ? '' : 's'}`}`,
  ];
  for (const x of p.problems) {
    const users = x.users !== undefined ? ` [${n(x.users)} user${x.users === 1 ? '' : 's'}]` : '';
    lines.push(`    ${x.severity === 'error' ? 'ERROR' : 'warning'}${users}: ${x.message}`);
    if (x.remedy !== undefined) lines.push(`      → ${x.remedy}`);
  }
  return lines.join('\n');
}

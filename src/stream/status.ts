import type { DeadLetter, InboxStats } from '../ledger/inbox.ts';

/** The sync part of `status`: backlog, rate, lag and dead letters by reason (no payloads). */
export function formatSyncStatus(s: InboxStats, dead: DeadLetter[] = []): string {
  const lines = [
    `event sync`,
    `  backlog      ${s.backlog} events for ${s.backlogUsers} users (${s.retrying} waiting for a retry)`,
    `  lag          ${(s.lagMs / 1000).toFixed(1)} s (age of the oldest unapplied event)`,
    `  rate         ${s.ratePerSec.toFixed(1)} events/s applied (last minute)`,
    `  received     ${s.received}   applied ${s.applied}   skipped ${s.skipped} (at or below the applied version)   dead ${s.dead}`,
    `  tombstones   ${s.tombstones}`,
  ];
  if (s.deadByReason.length > 0) {
    lines.push('  dead letters by reason:');
    for (const r of s.deadByReason) lines.push(`    ${String(r.count).padStart(7)}  ${r.reason}`);
  }
  if (dead.length > 0) {
    lines.push('  latest dead letters:');
    for (const d of dead.slice(0, 10)) lines.push(`    ${d.subject ?? '(no subject)'}  ${d.type ?? ''}  ${d.id ?? ''}  ${d.reason}`);
  }
  return lines.join('\n');
}

import type { DeadLetter, InboxStats } from '../ledger/inbox/inbox.ts';

const ago = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

/** The sync part of `status`: backlog, lag, what was skipped and why, dead letters, held deletes, the target and upstream (no payloads). */
export function formatSyncStatus(s: InboxStats, dead: DeadLetter[] = [], now = Date.now()): string {
  const lines = [
    `event sync`,
    `  backlog      ${s.backlog} events for ${s.backlogUsers} users (${s.retrying} waiting for a retry)`,
    `  lag          ${(s.lagMs / 1000).toFixed(1)} s (age of the oldest unapplied change, from its own time; ${(s.inboxAgeMs / 1000).toFixed(1)} s in the inbox)`,
    `  rate         ${s.ratePerSec.toFixed(1)} events/s applied (last minute)`,
    `  received     ${s.received}   applied ${s.applied}   dead ${s.dead}`,
    `  skipped      ${s.skipped} older than a change already applied (superseded)`,
    `  duplicates   ${s.duplicates} (${s.duplicates - s.contentDuplicates} with an id already stored, ${s.contentDuplicates} with the same content at the same version)`,
    `  tombstones   ${s.tombstones}`,
  ];
  if (s.ignored.length > 0) {
    lines.push('  ignored (not changes of a user):');
    for (const r of s.ignored) lines.push(`    ${String(r.count).padStart(7)}  ${r.reason}`);
  }
  if (s.heldDeletes > 0) {
    lines.push(
      `  HELD DELETES ${s.heldDeletes} users wait for an operator (delete cap, since ${s.heldSince ? ago(now - s.heldSince) : '?'}): release with \`ciam-migrate sync -c <config> --release-deletes\``,
    );
  }
  const live = s.live;
  if (live) {
    const age = now - live.at;
    lines.push(`  sync process (reported ${ago(age)} ago${age > 60_000 ? '; it may not be running' : ''}):`);
    lines.push(
      live.targetDownSince !== undefined
        ? `    target     DOWN for ${ago(live.at - live.targetDownSince)}: ${live.targetDownReason ?? ''} (events wait; none is dead-lettered)`
        : `    target     answering`,
    );
    for (const i of live.inputs) {
      const up = [i.pending !== undefined ? `${i.pending} messages waiting upstream` : '', i.lagBytes !== undefined ? `slot holds ${i.lagBytes} bytes of WAL` : ''].filter(Boolean).join(', ');
      lines.push(`    ${i.name.padEnd(10)} ${i.kind}, ${i.connected ? 'connected' : 'NOT CONNECTED'}${up ? `, ${up}` : ''}`);
    }
  }
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

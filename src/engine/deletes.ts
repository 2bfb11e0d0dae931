import type { Ledger } from '../ledger/index.ts';

export interface DeletePolicy {
  maxCount: number;
  maxPercent: number;
}

export type DeleteDecision =
  | { kind: 'none' }
  | { kind: 'queued'; count: number }
  | { kind: 'refused'; count: number; percent: number; reason: string };

/**
 * Users that vanished from the source are deleted only when asked, and never beyond the safety
 * cap: a truncated export looks exactly like mass deletion, and must never wipe a tenant.
 */
export function decideDeletes(ledger: Ledger, runId: number, policy: DeletePolicy): DeleteDecision {
  const missing = ledger.missingFrom(runId).count;
  if (missing === 0) return { kind: 'none' };
  const stats = ledger.stats();
  const inTarget = stats.byState.synced + stats.byState.dead + missing;
  const percent = inTarget > 0 ? (missing / inTarget) * 100 : 100;
  if (missing > policy.maxCount || percent > policy.maxPercent) {
    return {
      kind: 'refused',
      count: missing,
      percent,
      reason:
        `refusing to delete ${missing} users (${percent.toFixed(1)} % of the migrated users): above the safety cap of ` +
        `${policy.maxCount} users / ${policy.maxPercent} %. Check that the export is complete; if these deletions are ` +
        `intended, raise --max-deletes / --max-delete-percent for this run.`,
    };
  }
  return { kind: 'queued', count: ledger.queueDeletes(runId) };
}

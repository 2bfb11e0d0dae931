import type { Ledger } from '../ledger/index.ts';

export interface DeletePolicy {
  maxCount: number;
  maxPercent: number;
}

export type DeleteDecision =
  | { kind: 'none' }
  | { kind: 'queued'; count: number; percent: number }
  | { kind: 'refused'; count: number; percent: number; reason: string };

/**
 * The share of the target's users that deleting `missing` would remove. `held` counts the users the
 * target holds, the missing ones among them (a user is only missing after it reached the target);
 * a ledger that somehow holds fewer is read as a wipe, never as less than one.
 */
export function deleteShare(missing: number, held: number): number {
  if (missing <= 0) return 0;
  return held > missing ? (missing / held) * 100 : 100;
}

/** A share as people read it: one decimal, none for a whole number ("5.1 %", "100 %"). */
export function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(1))} %`;
}

/** Whether deleting `missing` of `held` users stays within the cap; the reason when it does not. */
export function checkDeleteCap(missing: number, held: number, policy: DeletePolicy): { percent: number; refusal?: string } {
  const percent = deleteShare(missing, held);
  if (missing <= policy.maxCount && percent <= policy.maxPercent) return { percent };
  return {
    percent,
    refusal:
      `refusing to delete ${missing} users (${formatPercent(percent)} of the ${held} users in the target): above the safety cap of ` +
      `${policy.maxCount} users / ${policy.maxPercent} %. Check that the export is complete; if these deletions are ` +
      `intended, raise --max-deletes / --max-delete-percent for this run.`,
  };
}

/**
 * Users that vanished from the source are deleted only when asked, and never beyond the safety
 * cap: a truncated export looks exactly like mass deletion, and must never wipe a tenant.
 * `heldAtStart` is what the target held when the run began: users this run creates meanwhile
 * must not dilute the share.
 */
export async function decideDeletes(ledger: Ledger, runId: number, policy: DeletePolicy, heldAtStart: number): Promise<DeleteDecision> {
  const missing = (await ledger.missingFrom(runId)).count;
  if (missing === 0) return { kind: 'none' };
  const { percent, refusal } = checkDeleteCap(missing, heldAtStart, policy);
  if (refusal !== undefined) return { kind: 'refused', count: missing, percent, reason: refusal };
  return { kind: 'queued', count: await ledger.queueDeletes(runId), percent };
}

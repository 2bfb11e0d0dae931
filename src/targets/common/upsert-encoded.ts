import type { Outcome } from '../../model/index.ts';
import type { EncodedPlannedUser } from '../target.ts';
import { sendWithBisection } from './bisect.ts';
import type { BatchResult } from './bisect.ts';

/** The payload of a user `encode` refused (mapping-valid, but the target cannot take it as it is). */
export type RefusedPayload = {
  kind: 'refused';
  reason: string;
  code: string;
};

export interface UpsertSteps<P extends { kind: 'ok' }, E extends { sourceId: string }> {
  /** The record one user's call carries, from its payload and what the ledger knows of it. */
  entry(payload: P, user: EncodedPlannedUser): E;
  /** One call with these records; bisected when the target refuses it as a whole. */
  send(items: E[]): Promise<BatchResult>;
  onBisectionCall(): void;
  /** Work after the call, on the users it sent (cidaas unlinks dropped social logins). */
  after?(entries: E[], outcomes: Outcome[]): Promise<Outcome[]>;
}

/**
 * The skeleton of an adapter's `upsert`: users `encode` refused are rejected without a call, the
 * others go out in one call (split by `sendWithBisection` until a refused record stands alone).
 */
export async function upsertEncoded<P extends { kind: 'ok' }, E extends { sourceId: string }>(users: EncodedPlannedUser[], steps: UpsertSteps<P, E>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const entries: E[] = [];
  for (const u of users) {
    const p = u.payload as unknown as P | RefusedPayload;
    if (p.kind === 'refused') {
      outcomes.push({ sourceId: u.sourceId, kind: 'rejected', reason: p.reason, code: p.code });
      continue;
    }
    entries.push(steps.entry(p as P, u));
  }
  if (entries.length > 0) {
    const sent = await sendWithBisection(entries, (items) => steps.send(items), () => steps.onBisectionCall());
    outcomes.push(...(steps.after ? await steps.after(entries, sent) : sent));
  }
  return outcomes;
}

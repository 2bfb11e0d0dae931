import type { Outcome } from '../../model/index.ts';

/** What one call said about a whole batch. */
export type BatchResult =
  | { kind: 'outcomes'; outcomes: Outcome[] }
  | { kind: 'refused'; reason: string; code: string }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; throttled?: boolean; mayHaveLanded?: boolean };

/**
 * Send a batch; when the target refuses the request as a whole, split it in halves until the
 * refused record stands alone, so one poisoned user never holds back the others. A batch with k
 * bad users out of n costs at most about 2·k·log2(n) extra calls; `onExtraCall` counts them.
 * Halves go one after the other: a refusing target is no reason to add load.
 */
export async function sendWithBisection<T extends { sourceId: string }>(
  items: T[],
  send: (items: T[]) => Promise<BatchResult>,
  onExtraCall: () => void,
): Promise<Outcome[]> {
  const result = await send(items);
  if (result.kind === 'outcomes') return result.outcomes;
  if (result.kind === 'retryable') {
    return items.map((i) => ({
      sourceId: i.sourceId,
      kind: 'retryable' as const,
      reason: result.reason,
      ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
      ...(result.throttled ? { throttled: true } : {}),
      ...(result.mayHaveLanded ? { mayHaveLanded: true } : {}),
    }));
  }
  if (items.length === 1) {
    return items.map((i) => ({
      sourceId: i.sourceId,
      kind: 'rejected' as const,
      reason: result.reason,
      code: result.code,
    }));
  }
  const mid = Math.ceil(items.length / 2);
  const out: Outcome[] = [];
  for (const half of [items.slice(0, mid), items.slice(mid)]) {
    onExtraCall();
    out.push(...(await sendWithBisection(half, send, onExtraCall)));
  }
  return out;
}

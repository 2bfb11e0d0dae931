import type { HttpResponse } from '../../delivery/http-client.ts';
import type { Outcome } from '../../model/index.ts';
import { isRetryableStatus, rejectionCode, retryableFrom } from './classify.ts';
import type { Exchange } from './session.ts';

/** Run `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The outcome of a call about one user. `ok` says which statuses mean success and as what;
 * `message` pulls the vendor's reason out of an error body.
 */
export function singleOutcome(
  sourceId: string,
  ex: Exchange,
  ok: (res: HttpResponse) => 'created' | 'updated' | 'deleted' | undefined,
  message: (res: HttpResponse) => string,
): Outcome {
  if (ex.kind === 'retryable') {
    return {
      sourceId,
      kind: 'retryable',
      reason: ex.reason,
      ...(ex.retryAfterMs !== undefined ? { retryAfterMs: ex.retryAfterMs } : {}),
      ...(ex.mayHaveLanded ? { mayHaveLanded: true } : {}),
    };
  }
  const { res } = ex;
  const action = ok(res);
  if (action) return { sourceId, kind: 'ok', action };
  if (isRetryableStatus(res.status)) return { sourceId, ...retryableFrom(res, message(res)) };
  const reason = message(res);
  return { sourceId, kind: 'rejected', reason, code: rejectionCode(res.status, reason) };
}

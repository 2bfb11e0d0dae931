import { isRetryableStatus, isThrottle, retryAfterMs } from './classify.ts';
import type { Exchange } from './session.ts';
import type { ReadResult } from '../target.ts';

/** What the read paths of both targets make of an exchange. */

export type Answer = { kind: 'response'; status: number; text: string } | Extract<ReadResult, { kind: 'retryable' }>;

/** A transport-level retry, a retryable status (429 and 503 count as push-back), or the answer. */
export function answered(ex: Exchange): Answer {
  if (ex.kind === 'retryable') {
    return { kind: 'retryable', reason: ex.reason, throttled: false, ...(ex.retryAfterMs !== undefined ? { retryAfterMs: ex.retryAfterMs } : {}) };
  }
  const { res } = ex;
  if (isRetryableStatus(res.status)) {
    const after = retryAfterMs(res);
    return { kind: 'retryable', reason: `HTTP ${res.status}`, throttled: isThrottle(res.status), ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { kind: 'response', status: res.status, text: res.text };
}

export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}


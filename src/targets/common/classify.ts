import { headerValue, parseRetryAfter } from '../../delivery/http-client.ts';
import type { HttpResponse } from '../../delivery/http-client.ts';

/** Status codes that say "not now" rather than "not this": the same request can succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function retryAfterMs(res: HttpResponse): number | undefined {
  return parseRetryAfter(headerValue(res.headers, 'retry-after'));
}

/** 429 and 503 are the target pushing back: the engine slows down instead of only retrying. */
export function isThrottle(status: number): boolean {
  return status === 429 || status === 503;
}

/** The retryable verdict on a response, with the target's Retry-After and whether it was push-back. */
export function retryableFrom(
  res: HttpResponse,
  message: string,
): { kind: 'retryable'; reason: string; retryAfterMs?: number; throttled: boolean } {
  const after = retryAfterMs(res);
  return {
    kind: 'retryable',
    reason: `HTTP ${res.status}: ${message}`,
    ...(after !== undefined ? { retryAfterMs: after } : {}),
    throttled: isThrottle(res.status),
  };
}

/**
 * A stable code for a rejection so reports can group failures; the vendor's text stays verbatim in
 * `reason`. Order matters: the more specific wording wins over the status.
 */
export function rejectionCode(status: number | undefined, message: string): string {
  const m = message.toLowerCase();
  if (status === 413 || /too large|too many users|max(imum)? .*(users|items)/.test(m))
    return 'batch_too_large';
  if (/already (exists|taken|in use|registered)|duplicate|not unique|conflict/.test(m) || status === 409)
    return 'duplicate_identifier';
  if (/migration ?mode|overwrite/.test(m)) return 'password_overwrite_refused';
  if (/e-?mail/.test(m)) return 'invalid_email';
  if (/phone|mobile/.test(m)) return 'invalid_phone';
  if (/identifier|username/.test(m)) return 'invalid_identifier';
  if (/hash|password|algorithm/.test(m)) return 'invalid_password_hash';
  if (/custom ?field|field/.test(m)) return 'invalid_field';
  if (/schema|payload|metadata/.test(m)) return 'schema_violation';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 417 || status === 422) return 'validation';
  return 'rejected';
}

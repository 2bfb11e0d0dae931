/** Exponential backoff with full jitter: spreads retries so a recovering target is not stampeded. */
export function backoffWithJitter(attempt: number, baseMs = 250, capMs = 60_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

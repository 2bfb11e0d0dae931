import { createHash } from 'node:crypto';

/**
 * `--sample N`: each user is read with probability N / population, decided by a hash of the seed and
 * its legacy id, so a resumed verification picks the same users and no list has to be kept.
 */
export function inSample(seed: number, sourceId: string, probability: number): boolean {
  if (probability >= 1) return true;
  const h = createHash('sha256').update(`${seed}:${sourceId}`).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < probability;
}

/** The confidence level every sample statement is made at. */
export const CONFIDENCE = 0.95;

/**
 * Upper bound of a one-sided Clopper–Pearson interval: with `CONFIDENCE`, the share of users with a
 * problem in the whole population is at most this, given `found` problems among `n` users drawn at
 * random. For 0 of n it is 1 − 0.05^(1/n), about 3/n ("rule of three").
 */
export function upperBound(found: number, n: number, confidence = CONFIDENCE): number {
  if (n <= 0) return 1;
  if (found >= n) return 1;
  const alpha = 1 - confidence;
  // The p at which P(X ≤ found | n, p) = alpha; the CDF falls as p grows, so bisect.
  let lo = found / n;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(found, n, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space. */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0; // log C(n, 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logC + i * lp + (n - i) * lq);
  }
  return Math.min(1, sum);
}

export interface SampleStatement {
  population: number;
  read: number;
  found: number;
  confidence: number;
  /** Highest share of the population with a problem that this sample leaves plausible. */
  upperShare: number;
  /** The same as a number of users. */
  upperUsers: number;
  text: string;
}

export function sampleStatement(population: number, read: number, found: number): SampleStatement {
  const upperShare = upperBound(found, read);
  const upperUsers = Math.ceil(upperShare * population);
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 ? 3 : 2)} %`;
  const n = (x: number) => x.toLocaleString('en-US');
  const text =
    read === 0
      ? 'no user was read: the sample says nothing'
      : `${n(found)} of ${n(read)} sampled users have a problem: with ${CONFIDENCE * 100} % confidence, at most ${pct(upperShare)} ` +
        `of the ${n(population)} users (${n(upperUsers)}) do`;
  return { population, read, found, confidence: CONFIDENCE, upperShare, upperUsers, text };
}

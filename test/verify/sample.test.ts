import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inSample, sampleStatement, upperBound } from '../../src/verify/sample.ts';

describe('sample statements', () => {
  it('0 of n: the exact bound 1 - 0.05^(1/n), about 3/n', () => {
    for (const n of [1, 10, 300, 3000]) expect(upperBound(0, n)).toBeCloseTo(1 - 0.05 ** (1 / n), 6);
    expect(upperBound(0, 3000)).toBeLessThan(3.01 / 3000);
  });

  it('matches published one-sided Clopper-Pearson 95 % bounds', () => {
    // 1 of 100 → 4.66 %; 5 of 200 → 5.19 % (binomial tables).
    expect(upperBound(1, 100)).toBeCloseTo(0.0466, 3);
    expect(upperBound(5, 200)).toBeCloseTo(0.0519, 3);
  });

  it('the bound grows with what is found and shrinks with what is read', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 50 }), (n, k0) => {
        const k = Math.min(k0, n - 1);
        const b = upperBound(k, n);
        expect(b).toBeGreaterThanOrEqual(k / n);
        expect(b).toBeLessThanOrEqual(1);
        expect(upperBound(k, n + 100)).toBeLessThan(b);
        if (k + 1 < n) expect(upperBound(k + 1, n)).toBeGreaterThan(b);
      }),
      { numRuns: 60 },
    );
  });

  it('says what the sample proves, in users of the population', () => {
    const s = sampleStatement(1_000_000, 3000, 0);
    expect(s.upperUsers).toBe(Math.ceil(upperBound(0, 3000) * 1_000_000));
    expect(s.text).toMatch(/0 of 3,000 sampled users have a problem: with 95 % confidence, at most 0\.100 % of the 1,000,000 users \(999\) do/);
  });

  it('picks the same users for the same seed, about the asked share', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
    const picked = ids.filter((id) => inSample(7, id, 0.05));
    expect(picked.length).toBeGreaterThan(800);
    expect(picked.length).toBeLessThan(1200);
    expect(ids.filter((id) => inSample(7, id, 0.05))).toEqual(picked);
    expect(ids.filter((id) => inSample(8, id, 0.05))).not.toEqual(picked);
  });
});

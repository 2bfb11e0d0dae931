import { readFileSync } from 'node:fs';
import { describe as suite, expect, it } from 'vitest';
import { HashCensus, identify, planPassword, verify } from '../../src/hashes/index.ts';
import { cidaasHashAcceptance, DEFAULT_CIDAAS_ALGORITHM_IDS } from '../../src/targets/cidaas/wire/hash.ts';
import { encodeForCloudentity } from '../../src/targets/cloudentity/wire/hash.ts';
import { hintFor, SKIPPED_FORMATS, type Vector } from './vector-hints.ts';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/hash-vectors.json', import.meta.url), 'utf8'),
) as Vector[];

suite('public hash vectors (test/fixtures/hash-vectors.json)', () => {
  it('every vector names its source', () => {
    for (const v of vectors) expect(v.source.length).toBeGreaterThan(5);
  });

  for (const [i, v] of vectors.entries()) {
    const skip = SKIPPED_FORMATS[v.format];
    const name = `#${i} ${v.format}: ${v.source.slice(0, 70)}`;
    if (skip) {
      it.skip(`${name} — skipped: ${skip}`, () => {});
      continue;
    }
    it(name, async () => {
      const r = identify(v.hash, hintFor(v));
      if (!r.ok) throw new Error(r.reason);
      expect(await verify(r.hash, v.password)).toBe(true);
      // DES crypt reads 8 bytes only: a longer password matches too, as crypt(3) says.
      if (v.format !== 'des-crypt' || Buffer.byteLength(v.password) < 8) expect(await verify(r.hash, `${v.password}x`)).toBe(false);
      expect(await verify(r.hash, '')).toBe(false);
    });
  }
});

suite('every vector through the planner and the census', () => {
  it('plans each for both targets without throwing, and the census adds up', () => {
    const census = new HashCensus();
    for (const v of vectors) {
      if (SKIPPED_FORMATS[v.format]) continue;
      const r = identify(v.hash, hintFor(v));
      if (!r.ok) throw new Error(r.reason);
      const plan = planPassword(r.hash, cidaasHashAcceptance({ ...DEFAULT_CIDAAS_ALGORITHM_IDS }, undefined, 'CUSTOM_X'), 'verifier');
      expect(['import', 'verifier']).toContain(plan.action);
      census.addUser(r.hash, plan);
      const ce = encodeForCloudentity(r.hash);
      if (!ce.ok) expect(ce.reason).not.toContain(v.hash);
    }
    const report = census.toJSON();
    expect(report.users).toBe(vectors.filter((v) => !SKIPPED_FORMATS[v.format]).length);
    expect(Object.values(report.byOutcome).reduce((a, b) => a + (b ?? 0), 0)).toBe(report.users);
  });
});

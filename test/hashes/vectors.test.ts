import { readFileSync } from 'node:fs';
import { describe as suite, expect, it } from 'vitest';
import { identify, verify } from '../../src/hashes/index.ts';
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
      expect(await verify(r.hash, `${v.password}x`)).toBe(false);
      expect(await verify(r.hash, '')).toBe(false);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/emulators/shared/rng.ts';
import { OrderedTable } from '../../src/emulators/shared/ordered-table.ts';
import { StringTable } from '../../src/emulators/shared/string-table.ts';

describe('StringTable', () => {
  it('agrees with a Map over random sets, overwrites and deletes, through growth and wrap-around', () => {
    const rng = createRng(42);
    const table = new StringTable<number>();
    const map = new Map<string, number>();
    // A small key space makes collisions, long probe runs and deletes inside them common.
    for (let op = 0; op < 60_000; op++) {
      const key = `k${Math.floor(rng() * (op < 30_000 ? 5000 : 200))}`;
      const r = rng();
      if (r < 0.55) {
        table.set(key, op);
        map.set(key, op);
      } else if (r < 0.8) {
        expect(table.delete(key)).toBe(map.delete(key));
      } else {
        expect(table.get(key)).toBe(map.get(key));
      }
      expect(table.size).toBe(map.size);
    }
    for (const [k, v] of map) expect(table.get(k)).toBe(v);
    for (let i = 0; i < 5000; i++) if (!map.has(`k${i}`)) expect(table.get(`k${i}`)).toBeUndefined();
  });

  it('holds the empty string and keys that differ only in case; clear forgets everything', () => {
    const table = new StringTable<string>();
    table.set('', 'empty');
    table.set('A', 'upper');
    table.set('a', 'lower');
    expect([table.get(''), table.get('A'), table.get('a'), table.get('b')]).toEqual(['empty', 'upper', 'lower', undefined]);
    table.clear();
    expect([table.size, table.get('a')]).toEqual([0, undefined]);
  });
});

describe('OrderedTable', () => {
  it('keeps a Map’s order: replace in place, delete and set again goes last, survives compaction', () => {
    const table = new OrderedTable<number>();
    const map = new Map<string, number>();
    const rng = createRng(7);
    for (let op = 0; op < 20_000; op++) {
      const key = `u${Math.floor(rng() * 3000)}`;
      if (rng() < 0.6) {
        table.set(key, op);
        map.set(key, op);
      } else {
        expect(table.delete(key)).toBe(map.delete(key));
      }
      expect(table.has(key)).toBe(map.has(key));
    }
    expect([...table.entries()]).toEqual([...map.entries()]);
    expect(table.size).toBe(map.size);
  });
});

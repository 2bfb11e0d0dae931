import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/stream/batcher.ts';

/** A flush function whose calls complete only when the test says so. */
function gated() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const fn = (items: number[]) => {
    batches.push(items);
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  const open = async () => {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, fn, open };
}

describe('Batcher', () => {
  it('flushes a full batch at once and a partial one after the delay', async () => {
    const seen: number[][] = [];
    const b = new Batcher<number>(async (items) => void seen.push(items), 3, 5, () => undefined);
    for (const i of [1, 2, 3, 4]) b.push(i);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([[1, 2, 3], [4]]);
    expect(b.size).toBe(0);
  });

  it('while a flush is in flight, arrivals wait and then go as one group (up to maxGroup)', async () => {
    const g = gated();
    const b = new Batcher<number>(g.fn, 2, 1000, () => undefined, 5);
    b.push(1);
    b.push(2);
    for (let i = 3; i <= 9; i++) b.push(i);
    expect(g.batches).toEqual([[1, 2]]);
    expect(b.size).toBe(9);
    await g.open();
    expect(g.batches).toEqual([[1, 2], [3, 4, 5, 6, 7]]);
    await g.open();
    expect(g.batches.at(-1)).toEqual([8, 9]);
    await g.open();
    expect(b.size).toBe(0);
  });

  it('flush() resolves only when everything waiting has been flushed', async () => {
    const g = gated();
    const b = new Batcher<number>(g.fn, 2, 1000, () => undefined, 2);
    for (let i = 1; i <= 5; i++) b.push(i);
    let done = false;
    const flushed = b.flush().then(() => (done = true));
    for (let k = 0; k < 2; k++) await g.open();
    expect(done).toBe(false);
    await g.open();
    await flushed;
    expect(g.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('a failed flush is reported and does not stop later ones', async () => {
    const errors: unknown[] = [];
    const seen: number[][] = [];
    let fail = true;
    const b = new Batcher<number>(
      async (items) => {
        if (fail) {
          fail = false;
          throw new Error('inbox down');
        }
        seen.push(items);
      },
      1,
      1,
      (err) => errors.push(err),
    );
    b.push(1);
    b.push(2);
    await b.flush();
    expect(errors).toHaveLength(1);
    expect(seen).toEqual([[2]]);
  });
});

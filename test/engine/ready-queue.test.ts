import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ReadyQueue, readyUser } from '../../src/engine/ready-queue.ts';

setFlagsFromString('--expose-gc');
/** A full collection on demand (a fresh context sees the flag set just above). */
const collectGarbage = runInNewContext('gc') as () => void;

const users = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => readyUser(`u${from + i}`, `f${from + i}`, false, { json: JSON.stringify({ sourceId: `u${from + i}` }) }));

describe('ReadyQueue', () => {
  it('hands users out oldest first, as claimed items with their payload', () => {
    const q = new ReadyQueue(10);
    q.push(users(0, 3));
    q.push(users(3, 2));
    const first = q.take(4);
    expect(first.map((i) => i.sourceId)).toEqual(['u0', 'u1', 'u2', 'u3']);
    expect(first[0]).toMatchObject({ op: 'upsert', fingerprint: 'f0', attempts: 0, json: '{"sourceId":"u0"}' });
    expect(q.drain().map((i) => i.sourceId)).toEqual(['u4']);
    expect(q.size).toBe(0);
  });

  it('has no room at its high-water mark until users are taken, and always after close', async () => {
    const q = new ReadyQueue(3);
    q.push(users(0, 3));
    expect(q.hasRoom()).toBe(false);
    let roomy = false;
    const room = q.whenRoom().then(() => (roomy = true));
    await Promise.resolve();
    expect(roomy).toBe(false);
    q.take(1);
    await room;
    expect(roomy).toBe(true);
    q.push(users(3, 5));
    expect(q.hasRoom()).toBe(false);
    q.close();
    expect(q.hasRoom()).toBe(true);
    await q.whenRoom();
  });

  it('wakes a waiting call when enough users arrive, or after its time', async () => {
    const q = new ReadyQueue(100);
    const waiting = q.waitFor(5, 10_000);
    q.push(users(0, 2));
    q.push(users(2, 3));
    await waiting;
    expect(q.size).toBe(5);
    const started = Date.now();
    await q.waitFor(50, 30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('keeps order across many pushes and takes (compaction)', () => {
    const q = new ReadyQueue(1_000_000);
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      q.push(users(i * 100, 100));
      for (const item of q.take(90)) seen.push(item.sourceId);
    }
    for (const item of q.drain()) seen.push(item.sourceId);
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => `u${i}`));
  });

  it('does not keep users alive once they are taken (their payloads are most of a run\'s memory)', async () => {
    const q = new ReadyQueue(1_000);
    const refs: Array<WeakRef<object>> = [];
    const push = (from: number) => {
      const batch = Array.from({ length: 10 }, (_, i) => readyUser(`u${from + i}`, `f${from + i}`, false, { payload: { entity: `{"sub":"u${from + i}"}` } }));
      for (const u of batch) if (u.payload !== undefined) refs.push(new WeakRef(u.payload));
      q.push(batch);
    };
    push(0);
    push(10);
    q.take(15);
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    const alive = refs.map((r) => r.deref() !== undefined);
    expect(alive.slice(0, 15).filter(Boolean)).toHaveLength(0);
    expect(alive.slice(15).every(Boolean)).toBe(true);
    expect(q.drain().map((i) => i.sourceId)).toEqual(['u15', 'u16', 'u17', 'u18', 'u19']);
  });
});

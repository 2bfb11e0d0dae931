import { createRng } from '../emulators/shared/rng.ts';

/** Seeded PRNG (the emulators' mulberry32) so the demo sample is the same on every machine. */
export const seededRandom = createRng;

export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

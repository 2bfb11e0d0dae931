/**
 * The inbox deduplicates events on an integer key derived from (source, id) instead of a unique
 * index over the two texts: an integer index is about half as many pages, and every page an append
 * dirties is written to the WAL at commit, which is where an append's time goes.
 *
 * A hash can collide, and dropping a real event as a "duplicate" would lose it. So a key is only a
 * slot: the row in it is compared on the texts, and a different event in the slot sends the newcomer
 * on to the next slot (linear probing). A duplicate is therefore only ever declared on equal texts.
 */

const MAX = 2 ** 53;

/** A 53-bit hash (so it is an exact JavaScript number and a SQLite INTEGER) of source and id. */
export function dedupeKey(source: string, id: string): number {
  // Two 32-bit multiplicative lanes over the UTF-16 units, mixed at the end (the cyrb53 scheme).
  let h1 = 0xdeadbeef ^ source.length;
  let h2 = 0x41c6ce57 ^ id.length;
  const mix = (c: number) => {
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  };
  for (let i = 0; i < source.length; i++) mix(source.charCodeAt(i));
  mix(0);
  for (let i = 0; i < id.length; i++) mix(id.charCodeAt(i));
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The slot after `key` when it holds another event. */
export function nextSlot(key: number): number {
  return (key + 1) % MAX;
}

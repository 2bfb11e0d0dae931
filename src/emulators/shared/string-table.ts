/**
 * A string → value hash table for the emulators' large uniqueness indexes.
 *
 * Why not a Map: on a tenant of a few hundred thousand users a Map lookup of a new key walks a
 * bucket, an entry and the chained keys, each a cache miss, and the bulk import does several per
 * user. Here the 32-bit hashes sit in one Int32Array probed linearly, so a lookup of a new key is
 * usually one miss, and a key string is only compared when its hash matches. No insertion order.
 */

const EMPTY = 0;
const MIN_CAPACITY = 1024;

/** FNV-1a; never 0, which marks an empty slot. */
export function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h === EMPTY ? 1 : h;
}

export class StringTable<V> {
  private hashes = new Int32Array(MIN_CAPACITY);
  /** Key of slot i at 2i, value at 2i + 1: one cache line for both. */
  private slots: Array<string | V | undefined> = emptySlots(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.slots = emptySlots(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
  }

  get(key: string): V | undefined {
    const i = this.find(key, hashString(key));
    return i < 0 ? undefined : (this.slots[2 * i + 1] as V);
  }

  set(key: string, value: V): void {
    const h = hashString(key);
    let i = h & this.mask;
    for (;;) {
      const slotHash = this.hashes[i];
      if (slotHash === EMPTY) break;
      if (slotHash === h && this.slots[2 * i] === key) {
        this.slots[2 * i + 1] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.hashes[i] = h;
    this.slots[2 * i] = key;
    this.slots[2 * i + 1] = value;
    // Grow at 60% full: linear probing stays short, and probes stay within a cache line or two.
    if (++this.count * 5 > this.hashes.length * 3) this.grow();
  }

  delete(key: string): boolean {
    let i = this.find(key, hashString(key));
    if (i < 0) return false;
    this.count--;
    // Backward-shift deletion: move later members of the probe run up, so no tombstones build up.
    const mask = this.mask;
    for (;;) {
      this.hashes[i] = EMPTY;
      this.slots[2 * i] = undefined;
      this.slots[2 * i + 1] = undefined;
      let j = i;
      for (;;) {
        j = (j + 1) & mask;
        const h = this.hashes[j] as number;
        if (h === EMPTY) return true;
        const home = h & mask;
        // The entry at j may fill the hole at i only if its home slot is not cyclically in (i, j].
        const movable = i <= j ? home <= i || home > j : home <= i && home > j;
        if (movable) break;
      }
      this.hashes[i] = this.hashes[j] as number;
      this.slots[2 * i] = this.slots[2 * j];
      this.slots[2 * i + 1] = this.slots[2 * j + 1];
      i = j;
    }
  }

  private find(key: string, h: number): number {
    let i = h & this.mask;
    for (;;) {
      const slotHash = this.hashes[i];
      if (slotHash === EMPTY) return -1;
      if (slotHash === h && this.slots[2 * i] === key) return i;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldSlots = this.slots;
    const capacity = oldHashes.length * 2;
    this.hashes = new Int32Array(capacity);
    this.slots = emptySlots(capacity);
    this.mask = capacity - 1;
    for (let k = 0; k < oldHashes.length; k++) {
      const h = oldHashes[k] as number;
      if (h === EMPTY) continue;
      let i = h & this.mask;
      while (this.hashes[i] !== EMPTY) i = (i + 1) & this.mask;
      this.hashes[i] = h;
      this.slots[2 * i] = oldSlots[2 * k];
      this.slots[2 * i + 1] = oldSlots[2 * k + 1];
    }
  }
}

/** Filled at once: an unfilled large `new Array(n)` would be slow, and pushing n values slower still. */
function emptySlots<V>(capacity: number): Array<string | V | undefined> {
  return new Array<string | V | undefined>(2 * capacity).fill(undefined);
}

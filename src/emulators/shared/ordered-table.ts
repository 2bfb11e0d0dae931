import { StringTable } from './string-table.ts';

/**
 * A string-keyed store with a Map's iteration order (insertion order; a key deleted and set again
 * goes last) on a StringTable, for the emulators' users-by-id, which every imported user looks up
 * and inserts. Values must not be `undefined`.
 */
export class OrderedTable<V> {
  private readonly positions = new StringTable<number>();
  /** Values in insertion order; a deleted one leaves a hole until the next compaction. */
  private values: Array<V | undefined> = [];
  private keys: Array<string | undefined> = [];
  private holes = 0;

  get size(): number {
    return this.positions.size;
  }

  clear(): void {
    this.positions.clear();
    this.values = [];
    this.keys = [];
    this.holes = 0;
  }

  has(key: string): boolean {
    return this.positions.get(key) !== undefined;
  }

  get(key: string): V | undefined {
    const at = this.positions.get(key);
    return at === undefined ? undefined : this.values[at];
  }

  /** Replaces in place (the key keeps its place in the order) or appends. */
  set(key: string, value: V): void {
    const at = this.positions.get(key);
    if (at !== undefined) {
      this.values[at] = value;
      return;
    }
    this.positions.set(key, this.values.length);
    this.values.push(value);
    this.keys.push(key);
  }

  delete(key: string): boolean {
    const at = this.positions.get(key);
    if (at === undefined) return false;
    this.positions.delete(key);
    this.values[at] = undefined;
    this.keys[at] = undefined;
    if (++this.holes > 1024 && this.holes * 2 > this.values.length) this.compact();
    return true;
  }

  /** In insertion order; setting an existing key while iterating is allowed, deleting one is not. */
  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.values.length; i++) {
      const value = this.values[i];
      if (value !== undefined) yield [this.keys[i] as string, value];
    }
  }

  private compact(): void {
    const values: Array<V | undefined> = [];
    const keys: Array<string | undefined> = [];
    for (let i = 0; i < this.values.length; i++) {
      const value = this.values[i];
      const key = this.keys[i];
      if (value === undefined || key === undefined) continue;
      this.positions.set(key, values.length);
      values.push(value);
      keys.push(key);
    }
    this.values = values;
    this.keys = keys;
    this.holes = 0;
  }
}

/**
 * Reads a value from a record by column name or dotted path. An exact key wins over a path, so a
 * CSV column literally named `address.city` still works.
 */
export function getPath(data: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(data, path)) return data[path];
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) return undefined;
      current = current[Number(part)];
    } else if (typeof current === 'object') {
      if (!Object.hasOwn(current, part)) return undefined;
      current = (current as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return current;
}

/** `getPath` for one path, with the split done once: the mapper reads the same paths for every record. */
export function compileGetter(path: string): (data: Record<string, unknown>) => unknown {
  if (!path.includes('.')) return (data) => (Object.hasOwn(data, path) ? data[path] : undefined);
  return (data) => getPath(data, path);
}

/** Empty strings (a blank CSV cell), null and undefined all mean "the source has no value". */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** `setPath` for one path, with the split done once. */
export function compileSetter(path: string): (target: Record<string, unknown>, value: unknown) => void {
  const parts = path.split('.');
  const [head, leaf] = parts;
  if (parts.length === 1 && head !== undefined) return (target, value) => void (target[head] = value);
  if (parts.length === 2 && head !== undefined && leaf !== undefined)
    return (target, value) => {
      const next = target[head];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        const created: Record<string, unknown> = {};
        created[leaf] = value;
        target[head] = created;
      } else {
        (next as Record<string, unknown>)[leaf] = value;
      }
    };
  return (target, value) => setPath(target, path, value);
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * JSON Merge Patch (RFC 7396): how a change's data is merged into a user's last applied state. A
 * member that is absent leaves the state's value alone, an explicit `null` removes it, an object
 * merges member by member, and anything else (a string, a number, an array) replaces the value whole.
 */

export type JsonObject = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `target` with `patch` merged in; neither is modified. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = isPlainObject(value) ? mergePatch(out[key], value) : value;
  }
  return out;
}

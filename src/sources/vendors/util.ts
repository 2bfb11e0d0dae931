/** Small readers for loosely typed vendor JSON. They return undefined instead of throwing. */
export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Epoch milliseconds (number or digits) → ISO; anything else passes through as text. */
export function millis(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v === 'string' && /^\d{10,}$/.test(v)) return new Date(Number(v)).toISOString();
  return str(v);
}

/** Drops undefined members so records stay small and `isAbsent` checks stay simple. */
export function compact<T extends object>(o: T): T {
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
  return o;
}

/** A JSON object whose values may be JSON-encoded strings (Keycloak's secretData/credentialData). */
export function jsonObj(v: unknown): Obj | undefined {
  if (typeof v === 'string') {
    try {
      return obj(JSON.parse(v));
    } catch {
      return undefined;
    }
  }
  return obj(v);
}

/** Request body decoding shared by both emulators. */

export type Parsed<T> = { ok: true; value: T } | { ok: false };

export function parseJson(body: Buffer): Parsed<unknown> {
  if (body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function contentType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Reads form or JSON key/values (OAuth2 token requests); `undefined` when the body is neither. */
export function parseParams(body: Buffer, type: string, allowJson: boolean): Record<string, string> | undefined {
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  if (allowJson && type === 'application/json') {
    const parsed = parseJson(body);
    if (!parsed.ok || !isObject(parsed.value)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.value)) {
      if (typeof v === 'string') out[k] = v;
      else if (Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string').join(' ');
    }
    return out;
  }
  return undefined;
}

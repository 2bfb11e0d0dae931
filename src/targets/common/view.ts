import type { FieldCategory, UserView, ViewValue } from '../target.ts';

/** Helpers shared by the targets' views (see `UserView` in target.ts). */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as the comparison holds it; undefined for "not there" (null, "", an empty list, an empty object). */
export function comparable(v: unknown): ViewValue | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.every((x) => typeof x === 'string') ? [...(v as string[])].sort() : canonicalJson(v);
  }
  if (isObj(v) && Object.keys(v).length === 0) return undefined;
  return canonicalJson(v);
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as Obj)
    .filter((k) => (v as Obj)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Obj)[k])}`).join(',')}}`;
}

export function put(view: UserView, key: string, category: FieldCategory, raw: unknown): void {
  const value = comparable(raw);
  if (value !== undefined) view[key] = { value, category };
}


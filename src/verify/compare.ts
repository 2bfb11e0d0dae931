import {
  PASSWORD_HIDDEN,
  PASSWORD_NOT_SHOWN,
  type FieldCategory,
  type UserView,
  type ViewField,
  type ViewValue,
} from '../targets/target.ts';

/** One field that differs: what the adapter sends and what the target holds (undefined: nothing). */
export interface FieldDrift {
  field: string;
  category: FieldCategory;
  expected: ViewValue | undefined;
  actual: ViewValue | undefined;
}

export interface Comparison {
  drift: FieldDrift[];
  /** The password is there, but the target does not show enough to confirm its algorithm. */
  passwordUnconfirmed: boolean;
}

/**
 * Field by field, over every field either side has. A field the source does not have matches a
 * target that has it empty or not at all (`false` counts as empty: an unset flag), since clearing a
 * field may leave an empty value behind. E-mails compare without case, as identifiers do.
 */
export function compareViews(expected: UserView, actual: UserView): Comparison {
  const drift: FieldDrift[] = [];
  let passwordUnconfirmed = false;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const field of [...keys].sort()) {
    const e = expected[field];
    const a = actual[field];
    if (field === 'password') {
      const verdict = passwords(e?.value, a?.value);
      if (verdict === 'unconfirmed') passwordUnconfirmed = true;
      else if (verdict === 'differs') drift.push({ field, category: 'password', expected: e?.value, actual: a?.value });
      continue;
    }
    if (empty(e) && empty(a)) continue;
    if (e !== undefined && a !== undefined && same(e, a)) continue;
    drift.push({ field, category: (e ?? a)?.category ?? 'profile', expected: e?.value, actual: a?.value });
  }
  return { drift, passwordUnconfirmed };
}

function empty(f: ViewField | undefined): boolean {
  return f === undefined || f.value === false;
}

function same(e: ViewField, a: ViewField): boolean {
  const x = e.value;
  const y = a.value;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    return x.every((v, i) => v === y[i]);
  }
  if (e.category === 'email' && typeof x === 'string' && typeof y === 'string') return x.toLowerCase() === y.toLowerCase();
  return x === y;
}

/**
 * `hash:<algorithm>` sent matches the same hash, or a credential whose algorithm the target hides;
 * a target that shows nothing of credentials cannot contradict a hash, only a must-reset flag.
 */
function passwords(e: ViewValue | undefined, a: ViewValue | undefined): 'same' | 'unconfirmed' | 'differs' {
  if (e === a) return 'same';
  if (typeof e === 'string' && e.startsWith('hash:') && (a === PASSWORD_HIDDEN || a === PASSWORD_NOT_SHOWN)) return 'unconfirmed';
  return 'differs';
}

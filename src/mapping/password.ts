import type { PasswordSpec, RowHashFormat } from '../config/mapping.ts';
import { identify } from '../hashes/identify.ts';
import { familyForFormat } from '../hashes/registry.ts';
import type { HashHint } from '../hashes/types.ts';
import type { UserPassword } from '../model/index.ts';
import { compileGetter, isAbsent } from './path.ts';

export type PasswordResult = { ok: true; password: UserPassword | undefined } | { ok: false; reason: string };

/**
 * Reads the stored hash (and a separate salt column) and identifies it. No stored value means the
 * user must set a password at first login. A value that cannot be identified rejects the user unless
 * the config accepts a reset for it: a hash is never dropped silently.
 */
export function mapPassword(spec: PasswordSpec, data: Record<string, unknown>): PasswordResult {
  return compilePassword(spec)(data);
}

/** `mapPassword` for one spec, with the hint and column readers built once rather than per record. */
export function compilePassword(spec: PasswordSpec): (data: Record<string, unknown>) => PasswordResult {
  const { from, salt: saltColumn, unrecognised, formatFrom, formats, ...base } = spec;
  const readStored = compileGetter(from);
  const readSalt = saltColumn === undefined ? undefined : compileGetter(saltColumn);
  const rowHint = formatFrom === undefined ? undefined : compileRowFormat(formatFrom, formats ?? {}, base);
  return (data) => {
    const stored = readStored(data);
    if (isAbsent(stored)) return { ok: true, password: { mustReset: true } };
    let hint: HashHint = base;
    if (rowHint !== undefined) {
      const h = rowHint(data);
      if (typeof h === 'string') return { ok: false, reason: h };
      hint = h;
    }
    if (typeof stored !== 'string')
      return { ok: false, reason: `password: column "${from}" does not hold text` };
    let salt: string | undefined;
    if (readSalt !== undefined) {
      const value = readSalt(data);
      if (!isAbsent(value)) {
        if (typeof value !== 'string')
          return { ok: false, reason: `password: salt column "${saltColumn}" does not hold text` };
        salt = value;
      }
    }
    const result = identify(stored, salt === undefined ? hint : { ...hint, salt });
    if (result.ok) return { ok: true, password: result.hash };
    if (unrecognised === 'reset') return { ok: true, password: { mustReset: true } };
    // identify's reasons are redacted (length and prefix only).
    return { ok: false, reason: `password: ${result.reason}` };
  };
}

/** Format names `mapping.password.formats` may map to (besides `auto`), checked when the mapper is built. */
export function checkRowFormats(formats: Record<string, RowHashFormat>): void {
  for (const [value, f] of Object.entries(formats)) {
    const name = typeof f === 'string' ? f : f.format;
    if (name !== 'auto' && familyForFormat(name) === undefined) {
      throw new Error(`mapping.password.formats.${value}: unknown format "${name}"`);
    }
  }
}

/**
 * The per-row hint: the `formatFrom` column's value looked up in `formats` (exactly, then ignoring
 * case), else taken as a format name itself. An empty value keeps the configured format. Returns a
 * reason (string) for a value nothing maps.
 */
function compileRowFormat(
  column: string,
  formats: Record<string, RowHashFormat>,
  base: HashHint,
): (data: Record<string, unknown>) => HashHint | string {
  checkRowFormats(formats);
  const read = compileGetter(column);
  const folded = new Map(Object.entries(formats).map(([k, v]) => [k.toLowerCase(), v]));
  const hints = new Map<string, HashHint>();
  const hintOf = (f: RowHashFormat): HashHint => (typeof f === 'string' ? { ...base, format: f } : { ...base, ...f });
  return (data) => {
    const raw = read(data);
    if (isAbsent(raw)) return base;
    if (typeof raw !== 'string' && typeof raw !== 'number') return `password: column "${column}" does not hold a format name`;
    const value = String(raw).trim();
    const cached = hints.get(value);
    if (cached) return cached;
    const mapped = Object.hasOwn(formats, value) ? formats[value] : folded.get(value.toLowerCase());
    let hint: HashHint | undefined;
    if (mapped !== undefined) hint = hintOf(mapped);
    else if (familyForFormat(value) !== undefined || value.toLowerCase() === 'auto') hint = { ...base, format: value.toLowerCase() };
    if (hint === undefined) {
      const known = Object.keys(formats).slice(0, 12).join(', ');
      return `password: ${column} value "${value.slice(0, 40)}" is not a format and not in mapping.password.formats (${known || 'empty'})`;
    }
    if (hints.size < 1000) hints.set(value, hint);
    return hint;
  };
}

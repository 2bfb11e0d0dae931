import type { PasswordSpec } from '../config/mapping.ts';
import { identify } from '../hashes/identify.ts';
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
  const { from, salt: saltColumn, unrecognised, ...hint } = spec;
  const readStored = compileGetter(from);
  const readSalt = saltColumn === undefined ? undefined : compileGetter(saltColumn);
  return (data) => {
    const stored = readStored(data);
    if (isAbsent(stored)) return { ok: true, password: { mustReset: true } };
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

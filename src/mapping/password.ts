import type { PasswordSpec } from '../config/mapping.ts';
import { identify } from '../hashes/index.ts';
import type { UserPassword } from '../model/index.ts';
import { getPath, isAbsent } from './path.ts';

export type PasswordResult = { ok: true; password: UserPassword | undefined } | { ok: false; reason: string };

/**
 * Reads the stored hash (and a separate salt column) and identifies it. No stored value means the
 * user must set a password at first login. A value that cannot be identified rejects the user unless
 * the config accepts a reset for it: a hash is never dropped silently.
 */
export function mapPassword(spec: PasswordSpec, data: Record<string, unknown>): PasswordResult {
  const stored = getPath(data, spec.from);
  if (isAbsent(stored)) return { ok: true, password: { mustReset: true } };
  if (typeof stored !== 'string')
    return { ok: false, reason: `password: column "${spec.from}" does not hold text` };
  const { from: _from, salt: saltColumn, unrecognised, ...hint } = spec;
  let salt: string | undefined;
  if (saltColumn !== undefined) {
    const value = getPath(data, saltColumn);
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
}

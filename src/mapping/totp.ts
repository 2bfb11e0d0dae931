import type { TotpSpec } from '../config/mapping.ts';
import { normaliseTotp } from '../hashes/totp.ts';
import type { TotpFactor } from '../model/index.ts';
import { compileGetter, isAbsent } from './path.ts';

export type TotpResult = { ok: true; factor: TotpFactor | undefined } | { ok: false; reason: string };

/** Reads the stored TOTP secret; src/hashes/totp normalises base32, hex and otpauth URIs. */
export function mapTotp(spec: TotpSpec, data: Record<string, unknown>): TotpResult {
  return compileTotp(spec)(data);
}

/** `mapTotp` for one spec, with the options and column reader built once rather than per record. */
export function compileTotp(spec: TotpSpec): (data: Record<string, unknown>) => TotpResult {
  const { from, ...input } = spec;
  const readStored = compileGetter(from);
  return (data) => {
    const stored = readStored(data);
    if (isAbsent(stored)) return { ok: true, factor: undefined };
    if (typeof stored !== 'string') return { ok: false, reason: `totp: column "${from}" does not hold text` };
    const result = normaliseTotp(stored, input);
    return result.ok ? { ok: true, factor: result.factor } : { ok: false, reason: `totp: ${result.reason}` };
  };
}

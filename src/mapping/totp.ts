import * as OTPAuth from 'otpauth';
import type { TotpSpec } from '../config/mapping.ts';
import type { TotpFactor } from '../model/index.ts';
import { getPath, isAbsent } from './path.ts';

export type TotpResult = { ok: true; factor: TotpFactor | undefined } | { ok: false; reason: string };

const BASE32 = /^[A-Z2-7]+=*$/;
const HEX = /^(?:[0-9a-f]{2})+$/i;

/** Normalises a stored TOTP secret (base32, hex or an otpauth:// URI) into the canonical factor. */
export function mapTotp(spec: TotpSpec, data: Record<string, unknown>): TotpResult {
  const stored = getPath(data, spec.from);
  if (isAbsent(stored)) return { ok: true, factor: undefined };
  if (typeof stored !== 'string')
    return { ok: false, reason: `totp: column "${spec.from}" does not hold text` };
  const value = stored.trim();
  const base: TotpFactor = {
    type: 'totp',
    secret: '',
    digits: spec.digits as 6 | 7 | 8,
    period: spec.period,
    algorithm: spec.algorithm,
  };
  try {
    const kind = spec.encoding === 'auto' ? guess(value) : spec.encoding;
    if (kind === 'otpauth') {
      const otp = OTPAuth.URI.parse(value);
      if (!(otp instanceof OTPAuth.TOTP))
        return { ok: false, reason: 'totp: the otpauth URI is not a TOTP (hotp is not supported)' };
      const algorithm = otp.algorithm.toUpperCase();
      if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512')
        return { ok: false, reason: 'totp: unsupported algorithm in the otpauth URI' };
      if (otp.digits < 6 || otp.digits > 8) return { ok: false, reason: 'totp: digits must be 6 to 8' };
      return {
        ok: true,
        factor: {
          ...base,
          secret: otp.secret.base32,
          digits: otp.digits as 6 | 7 | 8,
          period: otp.period,
          algorithm,
        },
      };
    }
    if (kind === 'hex')
      return { ok: true, factor: { ...base, secret: OTPAuth.Secret.fromHex(value).base32 } };
    if (kind === 'base32') {
      const secret = value.toUpperCase().replace(/[\s-]/g, '').replace(/=+$/, '');
      if (!BASE32.test(secret)) return { ok: false, reason: 'totp: the secret is not valid base32' };
      return { ok: true, factor: { ...base, secret } };
    }
  } catch {
    return { ok: false, reason: 'totp: the secret cannot be read' };
  }
  return { ok: false, reason: 'totp: the secret is neither base32, hex nor an otpauth URI' };
}

function guess(value: string): 'otpauth' | 'hex' | 'base32' | undefined {
  if (value.startsWith('otpauth://')) return 'otpauth';
  const compact = value.toUpperCase().replace(/[\s-]/g, '');
  if (BASE32.test(compact)) return 'base32';
  // Hex only when it cannot be base32 (it contains 0, 1, 8, 9 or lower-case letters a–f).
  if (HEX.test(value)) return 'hex';
  return undefined;
}

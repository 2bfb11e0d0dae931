import type { HOTP } from 'otpauth';
import { Secret, TOTP, URI } from 'otpauth';
import { TotpFactor, type MfaFactor } from '../model/index.ts';

export interface TotpInputSpec {
  /** How the stored secret is written. `auto` accepts base32, hex and otpauth URIs, refusing ambiguity. */
  encoding?: 'auto' | 'base32' | 'hex' | 'otpauth';
  digits?: number;
  period?: number;
  algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
}

export type TotpResult = { ok: true; factor: TotpFactor; warnings: string[] } | { ok: false; reason: string };

const MAX_SECRET_LENGTH = 2048;
/** RFC 4226 §4 requires at least 128 bits and recommends 160; 80-bit secrets exist in the wild. */
const MIN_SECRET_BYTES = 10;
const RECOMMENDED_SECRET_BYTES = 16;
const BASE32_TEXT = /^[A-Za-z2-7]+=*$/;
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/;

function fail(reason: string): TotpResult {
  return { ok: false, reason };
}

function build(bytes: Uint8Array, digits: number, period: number, algorithm: string, warnings: string[]): TotpResult {
  if (bytes.length < MIN_SECRET_BYTES) return fail(`TOTP secret of ${bytes.length} bytes is too short (minimum ${MIN_SECRET_BYTES})`);
  if (bytes.length < RECOMMENDED_SECRET_BYTES) warnings.push(`TOTP secret of ${bytes.length} bytes is below RFC 4226's 128 bits`);
  const parsed = TotpFactor.safeParse({
    type: 'totp',
    secret: new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32.replace(/=+$/, ''),
    digits,
    period,
    algorithm: algorithm.toUpperCase(),
  });
  if (!parsed.success) return fail(`invalid TOTP parameters: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return { ok: true, factor: parsed.data, warnings };
}

function decodeBase32(text: string): Uint8Array | undefined {
  try {
    return Secret.fromBase32(text.toUpperCase().replace(/=+$/, '')).bytes;
  } catch {
    return undefined;
  }
}

/**
 * Normalise a stored TOTP secret (base32 with spaces/dashes/lowercase/padding, hex, or an otpauth://
 * URI) to the canonical factor: unpadded upper-case base32 plus digits, period and algorithm.
 * Never echoes the secret into a reason.
 */
export function normaliseTotp(input: string, spec: TotpInputSpec = {}): TotpResult {
  if (typeof input !== 'string') return fail('TOTP secret is not text');
  if (input.length > MAX_SECRET_LENGTH) return fail('TOTP secret is too long');
  const raw = input.trim();
  const digits = spec.digits ?? 6;
  const period = spec.period ?? 30;
  const algorithm = spec.algorithm ?? 'SHA1';
  const encoding = spec.encoding ?? 'auto';
  if (raw === '') return fail('TOTP secret is empty');

  if (/^otpauth:\/\//i.test(raw)) {
    if (encoding !== 'auto' && encoding !== 'otpauth') return fail(`TOTP secret is an otpauth URI, not ${encoding}`);
    let otp: HOTP | TOTP;
    try {
      otp = URI.parse(raw);
    } catch {
      return fail('unparseable otpauth URI');
    }
    if (!(otp instanceof TOTP)) return fail('otpauth URI is HOTP (counter-based), not TOTP');
    return build(otp.secret.bytes, otp.digits, otp.period, otp.algorithm, []);
  }
  if (encoding === 'otpauth') return fail('TOTP secret is not an otpauth URI');

  const compact = raw.replace(/[\s-]/g, '');
  const looksBase32 = BASE32_TEXT.test(compact);
  const looksHex = HEX_TEXT.test(compact);
  let bytes: Uint8Array | undefined;
  if (encoding === 'hex' || (encoding === 'auto' && looksHex && !looksBase32)) {
    if (!looksHex) return fail('TOTP secret is not hex');
    bytes = Buffer.from(compact, 'hex');
  } else if (encoding === 'base32' || (encoding === 'auto' && looksBase32 && !looksHex)) {
    bytes = looksBase32 ? decodeBase32(compact) : undefined;
    if (!bytes) return fail('TOTP secret is not base32');
  } else if (looksBase32 && looksHex) {
    return fail('ambiguous: TOTP secret is valid base32 and hex, set mapping.totp.encoding');
  } else {
    return fail('unrecognised TOTP secret (not base32, hex or an otpauth URI)');
  }
  return build(bytes, digits, period, algorithm, []);
}

/** The code an authenticator shows at `timestampMs` (for tests and for checking a normalised secret). */
export function totpCode(factor: TotpFactor, timestampMs: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(factor.secret),
    algorithm: factor.algorithm,
    digits: factor.digits,
    period: factor.period,
    timestamp: timestampMs,
  });
}

/** The factor as an otpauth URI (e.g. for targets or re-enrolment mails). Contains the secret. */
export function totpUri(factor: TotpFactor, label: string, issuer?: string): string {
  return new TOTP({
    secret: Secret.fromBase32(factor.secret),
    algorithm: factor.algorithm,
    digits: factor.digits,
    period: factor.period,
    label,
    ...(issuer ? { issuer } : {}),
  }).toString();
}

/**
 * MFA-lost counting for plan/report: how many of a user's factors the target drops. `keepsTotp` is
 * the target's answer for one TOTP factor; sms/email factors are re-created from the verified
 * phone/email, so only TOTP secrets can be lost.
 */
export function countMfaLost(factors: readonly MfaFactor[], keepsTotp: (factor: TotpFactor) => boolean): { factors: number; lost: number } {
  let lost = 0;
  for (const f of factors) if (f.type === 'totp' && !keepsTotp(f)) lost++;
  return { factors: factors.length, lost };
}

import type { TotpFactor } from '../../model/index.ts';

export type CloudentityTotp = { lost: false; totpSecret: string } | { lost: true; reason: string };

/**
 * How one TOTP factor reaches Cloudentity: a base32 `totp_secret` credential, with no field for
 * algorithm, digits or period, so only SHA1/6/30 factors survive; with `totp: skip` (the config
 * default) none is sent and users re-enrol.
 */
export function cloudentityTotp(factor: TotpFactor, mode: 'skip' | 'credential'): CloudentityTotp {
  if (mode !== 'credential') return { lost: true, reason: 'Cloudentity TOTP import disabled (totp: skip)' };
  if (factor.algorithm !== 'SHA1' || factor.digits !== 6 || factor.period !== 30) {
    return { lost: true, reason: 'Cloudentity totp_secret assumes SHA1, 6 digits, 30 s' };
  }
  return { lost: false, totpSecret: factor.secret };
}

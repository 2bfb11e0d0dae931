import { z } from 'zod';

const BASE32 = /^[A-Z2-7]+=*$/;

export const TotpFactor = z.object({
  type: z.literal('totp'),
  /** RFC 4648 base32, upper case, no spaces. `src/hashes/totp` normalises hex and otpauth URIs into this. */
  secret: z.string().regex(BASE32, 'TOTP secret must be base32 (A-Z, 2-7)'),
  digits: z.union([z.literal(6), z.literal(7), z.literal(8)]).default(6),
  period: z.number().int().positive().default(30),
  algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
});
export type TotpFactor = z.infer<typeof TotpFactor>;

export const ContactFactor = z.object({
  type: z.enum(['sms', 'email']),
  value: z.string().min(1),
});
export type ContactFactor = z.infer<typeof ContactFactor>;

export const MfaFactor = z.discriminatedUnion('type', [TotpFactor, ContactFactor]);
export type MfaFactor = z.infer<typeof MfaFactor>;

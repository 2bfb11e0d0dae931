import { readFileSync } from 'node:fs';
import { describe as suite, expect, it } from 'vitest';
import { countMfaLost, normaliseTotp, totpCode, totpUri } from '../../src/hashes/index.ts';
import type { Vector } from './vector-hints.ts';

const vectors = (JSON.parse(readFileSync(new URL('../fixtures/hash-vectors.json', import.meta.url), 'utf8')) as Vector[]).filter(
  (v) => v.format === 'totp',
);
const RFC_SEED_B32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

suite('TOTP secrets', () => {
  it.each(vectors.map((v) => [v.source.slice(0, 40), v] as const))('RFC 6238 vector verifies (%s)', (_s, v) => {
    const p = v.params ?? {};
    const r = normaliseTotp(v.hash, { digits: Number(p.digits), period: Number(p.period), algorithm: p.algorithm as 'SHA1' });
    if (!r.ok) throw new Error(r.reason);
    expect(totpCode(r.factor, Number(p.time) * 1000)).toBe(v.password);
    expect(totpCode(r.factor, (Number(p.time) + 60) * 1000)).not.toBe(v.password);
  });

  it('normalises base32 with spaces, lower case and padding; hex; otpauth URIs', () => {
    const spaced = normaliseTotp('gezd gnbv gy3t qojq gezd gnbv gy3t qojq====');
    expect(spaced.ok && spaced.factor).toEqual({ type: 'totp', secret: RFC_SEED_B32, digits: 6, period: 30, algorithm: 'SHA1' });
    const hex = normaliseTotp(Buffer.from('12345678901234567890').toString('hex'), { encoding: 'hex' });
    expect(hex.ok && hex.factor.secret).toBe(RFC_SEED_B32);
    const uri = normaliseTotp('otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&digits=8&period=60&algorithm=SHA256');
    expect(uri.ok && uri.factor).toEqual({ type: 'totp', secret: 'JBSWY3DPEHPK3PXP', digits: 8, period: 60, algorithm: 'SHA256' });
    expect(uri.ok && uri.warnings).toEqual(['TOTP secret of 10 bytes is below RFC 4226\'s 128 bits']);
  });

  it('refuses what it cannot read, without echoing the secret', () => {
    for (const [input, reason] of [
      ['', /empty/],
      ['not a secret!', /unrecognised/],
      ['GEZDGNBV', /too short/],
      ['otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1', /HOTP/],
      ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP', /not an otpauth URI|not hex/],
      ['a'.repeat(5000), /too long/],
      ['abcdef234567abcdef234567abcdef23', /ambiguous/],
    ] as const) {
      const spec = input.startsWith('otpauth://totp') ? { encoding: 'hex' as const } : {};
      const r = normaliseTotp(input, spec);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(reason);
        if (input.length > 6) expect(r.reason).not.toContain(input);
      }
    }
  });

  it('counts the TOTP factors a target drops (sms/email factors are never lost)', () => {
    const r = normaliseTotp(RFC_SEED_B32);
    if (!r.ok) throw new Error(r.reason);
    const eightDigits = { ...r.factor, digits: 8 as const };
    const factors = [r.factor, eightDigits, { type: 'sms' as const, value: '+4915112345678' }];
    expect(countMfaLost(factors, () => false)).toEqual({ factors: 3, lost: 2 });
    expect(countMfaLost(factors, (f) => f.digits === 6)).toEqual({ factors: 3, lost: 1 });
    expect(totpUri(r.factor, 'alice')).toMatch(/^otpauth:\/\/totp\/alice\?secret=/);
  });
});

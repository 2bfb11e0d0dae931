import { describe as suite, expect, it } from 'vitest';
import { HashCensus, identify, planPassword, type HashAcceptance } from '../../src/hashes/index.ts';

/** A target as the policy sees it: it takes bcrypt natively and sends anything else to a verifier. */
const bcryptOnly: HashAcceptance<string, string> = {
  native: (h) => (h.algorithm === 'bcrypt' ? { ok: true, value: 'bcrypt' } : { ok: false, reason: `no ${h.algorithm} here` }),
  verifier: (h) => `verify ${h.algorithm}`,
};
const noVerifier: HashAcceptance<string> = { native: bcryptOnly.native, verifier: 'this target has no verifier' };

function parse(value: string, hint = {}) {
  const r = identify(value, hint);
  if (!r.ok) throw new Error(r.reason);
  return r.hash;
}

const BCRYPT = '$2y$05$6bNw2HLQYeqHYyBfLMsv/OUcZd0LKP39b87nBw3.S2tVZSqiQX6eu';
const PHPASS = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0';

suite('planPassword and the census', () => {
  it('applies reject / reset / verifier only to hashes the target cannot take', () => {
    const php = parse(PHPASS);
    expect(planPassword(parse(BCRYPT), bcryptOnly, 'reject')).toEqual({ action: 'import', value: 'bcrypt' });
    expect(planPassword(php, bcryptOnly, 'reject')).toEqual({ action: 'reject', reason: 'no phpass here' });
    expect(planPassword(php, bcryptOnly, 'reset')).toEqual({ action: 'reset', reason: 'no phpass here' });
    expect(planPassword(php, bcryptOnly, 'verifier')).toEqual({ action: 'verifier', value: 'verify phpass', reason: 'no phpass here' });
    expect(planPassword(php, noVerifier, 'verifier')).toEqual({ action: 'reject', reason: 'no phpass here; this target has no verifier' });
    expect(planPassword(undefined, bcryptOnly, 'reject')).toEqual({ action: 'reset', reason: 'no password to carry over' });
    expect(planPassword({ mustReset: true }, noVerifier, 'reject').action).toBe('reset');
  });

  it('counts users per format and outcome, with redacted reasons and MFA lost', () => {
    const census = new HashCensus();
    for (const value of [BCRYPT, BCRYPT, PHPASS]) {
      const h = parse(value);
      census.addUser(h, planPassword(h, bcryptOnly, 'reset'));
    }
    census.addUser(undefined, planPassword(undefined, bcryptOnly, 'reset'));
    const bad = identify('not-a-hash-at-all');
    if (!bad.ok) census.addUnrecognised(bad.reason);
    census.addMfa(2, 1);
    census.addMfa(1, 0);
    census.addMfa(0, 0);
    const report = census.toJSON();
    expect(report).toMatchObject({
      users: 5,
      byFormat: { bcrypt: { users: 2, outcomes: { import: 2 } }, phpass: { users: 1, outcomes: { reset: 1 } }, none: { users: 1 }, unrecognised: { users: 1 } },
      byOutcome: { import: 2, reset: 2, unrecognised: 1 },
      mfa: { usersWithMfa: 2, usersMfaLost: 1, factorsLost: 1 },
    });
    expect(JSON.stringify(report)).not.toContain(PHPASS);
    expect(JSON.stringify(report)).not.toContain('not-a-hash');
  });
});

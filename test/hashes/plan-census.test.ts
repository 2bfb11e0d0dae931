import { describe as suite, expect, it } from 'vitest';
import {
  DEFAULT_CIDAAS_ALGORITHM_IDS,
  encodeForCidaas,
  encodeForCloudentity,
  HashCensus,
  identify,
  planPassword,
  type TargetHashCapability,
} from '../../src/hashes/index.ts';

const cidaas: TargetHashCapability = { target: 'cidaas', algorithmTypeIds: { ...DEFAULT_CIDAAS_ALGORITHM_IDS }, verifierAlgorithmTypeId: 'CUSTOM_X' };
const cloudentity: TargetHashCapability = { target: 'cloudentity' };

function parse(value: string, hint = {}) {
  const r = identify(value, hint);
  if (!r.ok) throw new Error(r.reason);
  return r.hash;
}

const BCRYPT = '$2y$05$6bNw2HLQYeqHYyBfLMsv/OUcZd0LKP39b87nBw3.S2tVZSqiQX6eu';
const PHPASS = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0';

suite('encoders', () => {
  it('cidaas: bcrypt as BCRYPT_{cost} with $2b$, PBKDF2 with string hData, HMAC key in hData.salt', () => {
    expect(encodeForCidaas(parse(BCRYPT), { bcrypt: 'BCRYPT_{cost}' })).toEqual({
      ok: true,
      value: { algorithmTypeId: 'BCRYPT_5', passwordHash: `$2b$${BCRYPT.slice(4)}` },
    });
    const pb = encodeForCidaas(parse('pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c='), DEFAULT_CIDAAS_ALGORITHM_IDS);
    expect(pb).toEqual({
      ok: true,
      value: {
        algorithmTypeId: 'PBKDF2',
        passwordHash: Buffer.from('8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=', 'base64').toString('hex'),
        hData: { salt: 'seasalt', iterations: '390000', keylen: '32' },
      },
    });
    const hm = encodeForCidaas(parse('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', { format: 'hmac-sha256', key: 'Jefe' }), DEFAULT_CIDAAS_ALGORITHM_IDS);
    expect(hm.ok && hm.value.hData).toEqual({ salt: 'Jefe' });
  });

  it('cidaas: refuses what the tenant is not configured for, and a salt order it cannot express', () => {
    expect(encodeForCidaas(parse(PHPASS), DEFAULT_CIDAAS_ALGORITHM_IDS)).toEqual({ ok: false, reason: expect.stringContaining('phpass') });
    const prefixSalted = parse('sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8');
    expect(encodeForCidaas(prefixSalted, DEFAULT_CIDAAS_ALGORITHM_IDS).ok).toBe(false);
    expect(encodeForCidaas(prefixSalted, DEFAULT_CIDAAS_ALGORITHM_IDS, { saltPosition: 'prefix' })).toEqual({
      ok: true,
      value: { algorithmTypeId: 'SHA1', passwordHash: 'cff36ea83f5706ce9aa7454e63e431fc726b2dc8', hData: { salt: 'seasalt' } },
    });
    expect(encodeForCidaas(parse('$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'), DEFAULT_CIDAAS_ALGORITHM_IDS).ok).toBe(false);
  });

  it('Cloudentity: documented shapes (sha value base64, function SHA-256; pbkdf2; argon2id only)', () => {
    const ssha = encodeForCloudentity(parse('{SSHA256}x1tymSTVjozxQ2PtT46ysrzhZxbcskK0o2f8hEFx7fAQQmhtDSEkJA=='));
    expect(ssha.ok && ssha.value.config).toEqual({ method: 'sha', sha: { function: 'SHA-256', salt: 'EEJobQ0hJCQ=', salt_length: 8, salt_after_digest_in_hash: false } });
    const embedded = encodeForCloudentity(parse('{SSHA256}x1tymSTVjozxQ2PtT46ysrzhZxbcskK0o2f8hEFx7fAQQmhtDSEkJA=='), { saltMode: 'embedded' });
    expect(embedded.ok && embedded.value).toEqual({
      config: { method: 'sha', sha: { function: 'SHA-256', salt: '', salt_length: 8, salt_after_digest_in_hash: true } },
      value: 'x1tymSTVjozxQ2PtT46ysrzhZxbcskK0o2f8hEFx7fAQQmhtDSEkJA==',
    });
    const pb = encodeForCloudentity(parse('$pbkdf2-sha512$i=250,l=64$ltWLnBsxH6G1J8Wnx9PDw3wY5L9KN75L/hhlyAF9TsQ$Quqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw'), { pbkdf2Functions: { sha512: 'SHA-512' } });
    expect(pb.ok && pb.value.config).toMatchObject({ method: 'pbkdf2', pbkdf2: { function: 'SHA-512', number_of_iterations: 250, key_length: 64, salt_length: 32 } });
    expect(encodeForCloudentity(parse('$argon2d$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$cZn5d+rFh+ZfuRhm2iGUGgcrW5YLeM6q7L3vBsdmFA0')).ok).toBe(false);
    expect(encodeForCloudentity(parse(BCRYPT))).toEqual({ ok: true, value: { config: { method: 'bcrypt', bcrypt: { cost: 5 } }, value: `$2b$${BCRYPT.slice(4)}` } });
  });
});

suite('planPassword and the census', () => {
  it('applies reject / reset / verifier only to hashes the target cannot take', () => {
    const php = parse(PHPASS);
    expect(planPassword(parse(BCRYPT), cidaas, 'reject').action).toBe('import');
    expect(planPassword(php, cidaas, 'reject')).toEqual({ action: 'reject', reason: expect.stringContaining('phpass') });
    expect(planPassword(php, cidaas, 'reset').action).toBe('reset');
    expect(planPassword(php, cidaas, 'verifier')).toMatchObject({ action: 'verifier', info: { algorithmTypeId: 'CUSTOM_X', passwordHash: PHPASS } });
    expect(planPassword(php, cloudentity, 'verifier').action).toBe('reject');
    expect(planPassword(undefined, cidaas, 'reject')).toEqual({ action: 'reset', reason: 'no password to carry over' });
    expect(planPassword({ mustReset: true }, cloudentity, 'reject').action).toBe('reset');
    const narrowed: TargetHashCapability = { target: 'cloudentity', methods: new Set(['pbkdf2']) };
    expect(planPassword(parse(BCRYPT), narrowed, 'reset')).toEqual({ action: 'reset', reason: expect.stringContaining('bcrypt') });
  });

  it('counts users per format and outcome, with redacted reasons and MFA lost', () => {
    const census = new HashCensus();
    for (const value of [BCRYPT, BCRYPT, PHPASS]) {
      const h = parse(value);
      census.addUser(h, planPassword(h, cidaas, 'reset'));
    }
    census.addUser(undefined, planPassword(undefined, cidaas, 'reset'));
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

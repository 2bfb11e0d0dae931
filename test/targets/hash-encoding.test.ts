import { describe as suite, expect, it } from 'vitest';
import { identify, planPassword } from '../../src/hashes/index.ts';
import { User } from '../../src/model/index.ts';
import { cidaasHashAcceptance, DEFAULT_CIDAAS_ALGORITHM_IDS, encodeForCidaas } from '../../src/targets/cidaas/wire/hash.ts';
import { encodeForCloudentity } from '../../src/targets/cloudentity/wire/hash.ts';
import { cloudentityTotp } from '../../src/targets/cloudentity/totp.ts';

function parse(value: string, hint = {}) {
  const r = identify(value, hint);
  if (!r.ok) throw new Error(r.reason);
  return r.hash;
}

const BCRYPT = '$2y$05$6bNw2HLQYeqHYyBfLMsv/OUcZd0LKP39b87nBw3.S2tVZSqiQX6eu';
const PHPASS = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0';

suite('each target encodes hashes in its own shape', () => {
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

suite('what each target accepts', () => {
  it('cidaas: its algorithmTypeIds natively, anything else through a CUSTOM_* verifier when one is wired', () => {
    const php = parse(PHPASS);
    const withVerifier = cidaasHashAcceptance({ ...DEFAULT_CIDAAS_ALGORITHM_IDS }, undefined, 'CUSTOM_X');
    expect(planPassword(parse(BCRYPT), withVerifier, 'reject').action).toBe('import');
    expect(planPassword(php, withVerifier, 'verifier')).toMatchObject({ action: 'verifier', value: { algorithmTypeId: 'CUSTOM_X', passwordHash: PHPASS } });
    const without = cidaasHashAcceptance({ ...DEFAULT_CIDAAS_ALGORITHM_IDS }, undefined, undefined);
    expect(planPassword(php, without, 'verifier')).toEqual({ action: 'reject', reason: expect.stringContaining('no verifierAlgorithmTypeId configured') });
  });

  it('Cloudentity: TOTP only as SHA1/6/30 and only with totp: credential', () => {
    const factor = User.parse({ sourceId: 't', email: 't@example.com', mfa: [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' }] }).mfa[0];
    if (factor?.type !== 'totp') throw new Error('no totp factor');
    expect(cloudentityTotp(factor, 'skip')).toMatchObject({ lost: true });
    expect(cloudentityTotp(factor, 'credential')).toEqual({ lost: false, totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    expect(cloudentityTotp({ ...factor, digits: 8 }, 'credential').lost).toBe(true);
  });
});

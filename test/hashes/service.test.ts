import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { hashSync as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { identify, planPassword, type HashHint } from '../../src/hashes/index.ts';
import { cidaasHashAcceptance, cidaasVerifierInfo, DEFAULT_CIDAAS_ALGORITHM_IDS, type CidaasPasswordHashInfo } from '../../src/targets/cidaas/wire/hash.ts';
import { startVerifierService, type VerifierService } from '../../src/targets/cidaas/verifier-service.ts';
import { VerifyPool } from '../../src/hashes/worker-pool.ts';

const CLIENT = { clientId: 'cidaas', clientSecret: 'verifier-secret' };
const STATIC_TOKEN = 'static-shared-token';
const HMAC_KEY = 'app-pepper';

async function json(url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

suite('verifier service (cidaas CUSTOM_* compare) and cidaas emulator login round trips', () => {
  let service: VerifierService;
  let emulator: CidaasEmulatorHandle;
  let pool: VerifyPool;

  beforeAll(async () => {
    pool = new VerifyPool({ size: 2 });
    service = await startVerifierService({ port: 0, ...CLIENT, bearerToken: STATIC_TOKEN, hashHint: { key: HMAC_KEY }, pool });
    emulator = await startCidaasEmulator({
      customVerifierUrl: `${service.url}/verify`,
      customVerifierToken: STATIC_TOKEN,
      // Tenant algorithm setup for SHA*: password then user salt (the documented pepperOrder).
      algorithms: { '*': { pepperOrder: ['systemsalt', 'password', 'usersalt'] } },
    });
  });
  afterAll(async () => {
    await emulator.close();
    await service.close();
    await pool.close();
  });

  const compare = (token: string | undefined, info: CidaasPasswordHashInfo, password: string) =>
    json(`${service.url}/verify?action=compare`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ passwordVerification: { passwordHash: info.passwordHash, hData: info.hData ?? {} }, password, algorithm: info.algorithmTypeId }),
    });

  it('issues tokens for its client only and protects compare', async () => {
    const bad = await json(`${service.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=cidaas&client_secret=wrong',
    });
    expect(bad.status).toBe(401);
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const ok = await json(`${service.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
    const token = String(ok.body.access_token);
    const parsed = identify(bcryptHash('s3cret', 4));
    if (!parsed.ok) throw new Error(parsed.reason);
    const info = cidaasVerifierInfo(parsed.hash, 'CUSTOM_X');
    expect((await compare(undefined, info, 's3cret')).status).toBe(401);
    expect((await compare('forged', info, 's3cret')).status).toBe(401);
    // The envelope of cidaas's own sample custom-hash service: {status, success, data: {verified}}.
    expect(await compare(token, info, 's3cret')).toEqual({ status: 200, body: { success: true, status: 200, data: { verified: true } } });
    expect(await compare(token, info, 'nope')).toEqual({ status: 200, body: { success: true, status: 200, data: { verified: false } } });
    const badAction = await json(`${service.url}/verify?action=hash`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(badAction.status).toBe(400);
  });

  async function migrate(email: string, info: CidaasPasswordHashInfo): Promise<void> {
    const tok = await json(`${emulator.url}/token-srv/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' }),
    });
    const res = await fetch(`${emulator.url}/users-srv/user/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${String(tok.body.access_token)}` },
      body: JSON.stringify([{ userStatus: 'VERIFIED', sub: email, email, provider: 'self', password_hash_info: info }]),
    });
    expect(res.status).toBe(200);
  }

  const cases: Array<[string, string, HashHint | undefined, 'import' | 'verifier']> = [
    ['bcrypt', bcryptHash('pw-bcrypt', 4), undefined, 'import'],
    ['sha256 salted after the password', createHash('sha256').update('pw-sha').update('NaCl').digest('hex'), { format: 'sha256', salt: 'NaCl', saltPosition: 'suffix' }, 'import'],
    ['plain sha1', createHash('sha1').update('pw-sha1').digest('hex'), { format: 'sha1' }, 'import'],
    ['pbkdf2 (Django)', `pbkdf2_sha256$50$seasalt$${pbkdf2Sync('pw-pbkdf2', 'seasalt', 50, 32, 'sha256').toString('base64')}`, undefined, 'import'],
    ['hmac-sha256', createHmac('sha256', HMAC_KEY).update('pw-hmac').digest('hex'), { format: 'hmac-sha256', key: HMAC_KEY }, 'import'],
    ['argon2id', argon2Hash('pw-argon', { memoryCost: 64, timeCost: 1 }), undefined, 'import'],
    ['phpass via verifier', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', undefined, 'verifier'],
    ['salted md5 via verifier', createHash('md5').update('salt!').update('pw-md5').digest('hex'), { format: 'md5', salt: 'salt!', saltPosition: 'prefix' }, 'verifier'],
    ['hmac-sha512 via verifier (key stays in the verifier config)', createHmac('sha512', HMAC_KEY).update('pw-h512').digest('base64'), { format: 'hmac-sha512', key: HMAC_KEY, encoding: 'base64' }, 'verifier'],
    ['sha512-crypt via verifier', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1', undefined, 'verifier'],
  ];
  const passwords: Record<string, string> = {
    bcrypt: 'pw-bcrypt',
    'sha256 salted after the password': 'pw-sha',
    'plain sha1': 'pw-sha1',
    'pbkdf2 (Django)': 'pw-pbkdf2',
    'hmac-sha256': 'pw-hmac',
    argon2id: 'pw-argon',
    'phpass via verifier': 'test12345',
    'salted md5 via verifier': 'pw-md5',
    'hmac-sha512 via verifier (key stays in the verifier config)': 'pw-h512',
    'sha512-crypt via verifier': 'Hello world!',
  };

  it.each(cases)('%s: identify → plan → bulk import → emulator login', async (name, stored, hint, expected) => {
    const pw = passwords[name] ?? '';
    const parsed = identify(stored, hint);
    if (!parsed.ok) throw new Error(parsed.reason);
    const plan = planPassword(parsed.hash, cidaasHashAcceptance({ ...DEFAULT_CIDAAS_ALGORITHM_IDS, argon2id: 'ARGON2ID' }, undefined, 'CUSTOM_CIAM_MIGRATE'), 'verifier');
    expect(plan.action).toBe(expected);
    if (plan.action !== 'import' && plan.action !== 'verifier') throw new Error('unexpected plan');
    const email = `${name.replace(/[^a-z0-9]+/gi, '-')}@example.org`;
    await migrate(email, plan.value);
    expect(await emulator.login(email, pw)).toEqual({ ok: true, sub: email });
    expect(await emulator.login(email, `${pw}?`)).toMatchObject({ ok: false, reason: 'wrong password' });
  });
});

import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { call, cidaasToken } from './http.ts';

const PW = 'correct horse battery';
let emu: CidaasEmulatorHandle;
let verifier: Server;
const verifierCalls: unknown[] = [];
let token: string;

beforeAll(async () => {
  verifier = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { password: string; passwordVerification: { passwordHash: string; hData: { salt: string } }; algorithm: string };
      verifierCalls.push({ url: req.url, auth: req.headers.authorization, algorithm: parsed.algorithm });
      const expected = createHash('sha1').update(parsed.passwordVerification.hData.salt + parsed.password).digest('hex');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { verified: expected === parsed.passwordVerification.passwordHash } }));
    });
  });
  await new Promise<void>((r) => verifier.listen(0, '127.0.0.1', r));
  emu = await startCidaasEmulator({
    algorithms: {
      SHA256: { systemSalt: 'sys', pepperOrder: ['systemsalt', 'password', 'usersalt'], pepperDelimiter: ';' },
      SHA512_REVERSED: { pepperOrder: ['usersalt', 'password'] },
    },
    customVerifierUrl: `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/verify`,
    customVerifierToken: 'verifier-token',
  });
  token = await cidaasToken(emu.url);
  const users = [
    { sub: 'bcrypt', password_hash_info: { algorithmTypeId: 'BCRYPT_4', passwordHash: (await bcryptHash(PW, 4)).replace(/^\$2[ay]\$/, '$2b$') } },
    { sub: 'sha256', password_hash_info: { algorithmTypeId: 'SHA256', passwordHash: createHash('sha256').update(`sys;${PW};usalt`).digest('hex'), hData: { salt: 'usalt' } } },
    { sub: 'sha1', password_hash_info: { algorithmTypeId: 'SHA1', passwordHash: createHash('sha1').update(`${PW}s1`).digest('hex').toUpperCase(), hData: { salt: 's1' } } },
    { sub: 'sha512r', password_hash_info: { algorithmTypeId: 'SHA512_REVERSED', passwordHash: createHash('sha512').update(`s2${PW}`).digest('hex'), hData: { salt: 's2' } } },
    { sub: 'pbkdf2', password_hash_info: { algorithmTypeId: 'PBKDF2', passwordHash: pbkdf2Sync(PW, 'NaCl', 1000, 32, 'sha256').toString('hex'), hData: { salt: 'NaCl', iterations: '1000', keylen: '32' } } },
    { sub: 'pbkdf2-512', password_hash_info: { algorithmTypeId: 'PBKDF2_SHA512', passwordHash: pbkdf2Sync(PW, 'NaCl', 500, 64, 'sha512').toString('hex'), hData: { salt: 'NaCl', iterations: '500' } } },
    { sub: 'hmac', password_hash_info: { algorithmTypeId: 'HMAC-SHA-256', passwordHash: createHmac('sha256', 'key').update(PW).digest('hex'), hData: { salt: 'key' } } },
    { sub: 'argon', password_hash_info: { algorithmTypeId: 'ARGON2ID', passwordHash: await argon2Hash(PW, { memoryCost: 1024, timeCost: 1 }) } },
    { sub: 'custom', password_hash_info: { algorithmTypeId: 'CUSTOM_SHA1Hash', passwordHash: createHash('sha1').update(`pepper${PW}`).digest('hex'), hData: { salt: 'pepper' } } },
    { sub: 'plain', password: PW },
    { sub: 'reset', password: PW, need_reset_password: true },
    { sub: 'locked', password: PW, userStatus: 'LOCKED' },
    { sub: 'declined', password: PW, userStatus: 'DECLINED' },
    { sub: 'nopw' },
  ].map((u) => ({ ...u, email: `${u.sub}@example.com`, provider: 'self' }));
  const r = await call(`${emu.url}/users-srv/user/bulk`, { token, json: users });
  expect(r.body.data.process_states.every((s: { state: string }) => s.state === 'CREATED')).toBe(true);
});
afterAll(async () => {
  await emu.close();
  await new Promise<void>((r) => verifier.close(() => r()));
});

const login = (identifier: string, password: string) => call(`${emu.url}/_emulator/login`, { json: { identifier, password } });

describe('cidaas POST /_emulator/login', () => {
  it.each(['bcrypt', 'sha256', 'sha1', 'sha512r', 'pbkdf2', 'pbkdf2-512', 'hmac', 'argon', 'custom', 'plain'])('%s: the right password logs in, a wrong one does not', async (sub) => {
    const ok = await login(`${sub}@example.com`, PW);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, sub });
    const wrong = await login(`${sub}@example.com`, `${PW}!`);
    expect(wrong.body).toEqual({ ok: false, reason: 'wrong password', sub });
  });

  it('SHA256 honours the configured system salt, pepper order and delimiter', async () => {
    const h = emu.users().find((u) => u.sub === 'sha256');
    expect(h?.password?.kind).toBe('hash');
    // The same digest without the configured pepper would not match.
    const bare = await startCidaasEmulator();
    try {
      const t = await cidaasToken(bare.url);
      const info = h?.password?.kind === 'hash' ? h.password.info : undefined;
      await call(`${bare.url}/users-srv/user/bulk`, { token: t, json: [{ sub: 'x', email: 'x@example.com', password_hash_info: info }] });
      expect(await bare.login('x@example.com', PW)).toMatchObject({ ok: false, reason: 'wrong password' });
    } finally {
      await bare.close();
    }
  });

  it('CUSTOM_* calls the verifier with ?action=compare and its bearer token', () => {
    expect(verifierCalls).toContainEqual({ url: '/verify?action=compare', auth: 'Bearer verifier-token', algorithm: 'CUSTOM_SHA1Hash' });
  });

  it('answers unknown user, must reset, locked, inactive and no password', async () => {
    expect((await login('ghost@example.com', PW)).body).toEqual({ ok: false, reason: 'unknown user' });
    expect((await login('reset@example.com', PW)).body).toMatchObject({ ok: false, reason: 'must reset' });
    expect((await login('locked@example.com', PW)).body).toMatchObject({ ok: false, reason: 'locked' });
    expect((await login('declined@example.com', PW)).body).toMatchObject({ ok: false, reason: 'inactive' });
    expect((await login('nopw@example.com', PW)).body).toMatchObject({ ok: false, reason: 'no password' });
  });

  it('finds users case-insensitively by email and 400s on a bad body', async () => {
    expect((await login('BCRYPT@example.com', PW)).body.ok).toBe(true);
    expect((await call(`${emu.url}/_emulator/login`, { json: { identifier: 'x' } })).status).toBe(400);
  });
});

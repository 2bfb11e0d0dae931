import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { basic, call, expectCidaasError, form } from './http.ts';

let now = Date.parse('2025-01-01T00:00:00Z');
let emu: CidaasEmulatorHandle;

beforeAll(async () => {
  emu = await startCidaasEmulator({
    clock: () => now,
    tokenTtlSeconds: 60,
    clients: [
      { clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', scopes: ['cidaas:bulk_user_create', 'cidaas:users_read'], migrationMode: true },
      { clientId: 'reader', clientSecret: 'reader-secret', scopes: ['cidaas:users_read'] },
    ],
  });
});
afterAll(() => emu.close());

const tokenUrl = (): string => `${emu.url}/token-srv/token`;

describe('cidaas POST /token-srv/token', () => {
  it('accepts a form body with client_secret_post', async () => {
    const r = await call(tokenUrl(), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' }) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', sub: 'ANONYMOUS', expires_in: 60, scope: 'cidaas:bulk_user_create cidaas:users_read' });
    expect(typeof r.body.access_token).toBe('string');
  });

  it('accepts a JSON body', async () => {
    const r = await call(tokenUrl(), { json: { grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' } });
    expect(r.status).toBe(200);
  });

  it('accepts client_secret_basic', async () => {
    const f = form({ grant_type: 'client_credentials' });
    const r = await call(tokenUrl(), { method: 'POST', body: f.body, headers: { ...f.headers, authorization: basic('ciam-migrate', 'ciam-migrate-secret') } });
    expect(r.status).toBe(200);
  });

  it('401 for a wrong secret or unknown client, with the nested error body', async () => {
    const wrong = await call(tokenUrl(), { json: { grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'nope' } });
    expect(expectCidaasError(wrong, 401)).toContain('invalid_client');
    const unknown = await call(tokenUrl(), { json: { grant_type: 'client_credentials', client_id: 'who', client_secret: 'x' } });
    expectCidaasError(unknown, 401);
    const f = form({ grant_type: 'client_credentials' });
    const badBasic = await call(tokenUrl(), { method: 'POST', body: f.body, headers: { ...f.headers, authorization: basic('ciam-migrate', 'wrong') } });
    expectCidaasError(badBasic, 401);
  });

  it('400 for another grant type, an unknown body type, or a scope the client lacks', async () => {
    expectCidaasError(await call(tokenUrl(), { json: { grant_type: 'password', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' } }), 400);
    expectCidaasError(await call(tokenUrl(), { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 400);
    const r = await call(tokenUrl(), { json: { grant_type: 'client_credentials', client_id: 'reader', client_secret: 'reader-secret', scope: 'cidaas:bulk_user_create' } });
    expectCidaasError(r, 400);
  });

  it('tokens carry only the client scopes: a reader gets 403 on bulk', async () => {
    const t = await call(tokenUrl(), { json: { grant_type: 'client_credentials', client_id: 'reader', client_secret: 'reader-secret' } });
    const r = await call(`${emu.url}/users-srv/user/bulk`, { token: t.body.access_token, json: [{ email: 'a@example.com' }] });
    expect(expectCidaasError(r, 403)).toContain('cidaas:bulk_user_create');
  });

  it('401 without a token, with a wrong token and with an expired token', async () => {
    expectCidaasError(await call(`${emu.url}/users-srv/user/bulk`, { json: [{ email: 'a@example.com' }] }), 401);
    expectCidaasError(await call(`${emu.url}/users-srv/user/bulk`, { token: 'forged', json: [{ email: 'a@example.com' }] }), 401);
    const t = await call(tokenUrl(), { json: { grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' } });
    const ok = await call(`${emu.url}/users-srv/user/bulk`, { token: t.body.access_token, json: [{ email: 'fresh@example.com' }] });
    expect(ok.status).toBe(200);
    now += 61_000;
    const expired = await call(`${emu.url}/users-srv/user/bulk`, { token: t.body.access_token, json: [{ email: 'a@example.com' }] });
    expect(expectCidaasError(expired, 401)).toContain('expired');
  });
});

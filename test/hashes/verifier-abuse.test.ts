import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerifierService, type VerifierService } from '../../src/targets/cidaas/verifier-service.ts';

const CLIENT = { clientId: 'cidaas', clientSecret: 'verifier-secret' };
const STATIC_TOKEN = 'static-token-configured-on-the-algorithm';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const PW = 'open sesame';
const BCRYPT = bcryptHash(PW, 4);

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; ms: number; headers: Headers }> {
  const t = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms: performance.now() - t, headers: res.headers };
}

const compareBody = (passwordHash: string, password = PW) => JSON.stringify({ passwordVerification: { passwordHash, hData: {} }, password, algorithm: 'CUSTOM_X' });

describe('verifier service under abuse', () => {
  let service: VerifierService;
  beforeAll(async () => {
    // phpass up to 2^23 allowed here, so that a legitimate but slow check exists to hold a worker.
    service = await startVerifierService({
      port: 0,
      ...CLIENT,
      bearerToken: STATIC_TOKEN,
      workers: 1,
      deadlineMs: 1500,
      limits: { ...(await import('../../src/hashes/limits.ts')).resolveHashLimits({ phpassLog2Rounds: 23 }) },
    });
  });
  afterAll(() => service.close());

  const compare = (hash: string, headers: Record<string, string> = { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) }, query = '?action=compare', password = PW) =>
    call(`${service.url}/verify${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: compareBody(hash, password) });

  it('accepts what cidaas may send: ?action=compare or none, a token or the client credentials as Basic', async () => {
    expect((await compare(BCRYPT)).body).toMatchObject({ data: { verified: true } });
    expect((await compare(BCRYPT, undefined, '')).body).toMatchObject({ data: { verified: true } });
    expect((await compare(BCRYPT, undefined, '', 'wrong')).body).toMatchObject({ data: { verified: false } });
    expect((await compare(BCRYPT, undefined, '?action=hash')).status).toBe(400);
    expect((await compare(BCRYPT, { authorization: basic(CLIENT.clientId, 'nope') })).status).toBe(401);
  });

  it('answers a malformed Basic header with 400, never 500', async () => {
    for (const authorization of ['Basic %%%not-base64', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Basic', 'Negotiate abc']) {
      expect((await compare(BCRYPT, { authorization })).status, authorization).toBe(400);
      const token = await call(`${service.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: 'grant_type=client_credentials' });
      expect(token.status, authorization).toBe(400);
    }
    // Not URL-encoded by the client: compared as sent, so a plain wrong secret (401), not a crash.
    expect((await compare(BCRYPT, { authorization: basic(CLIENT.clientId, 'bad%zz') })).status).toBe(401);
  });

  it('refuses a hash above the cost bounds at once (phpass 2^24 held the main thread 28 s)', async () => {
    const r = await compare(`$P$M${'a'.repeat(8)}${'b'.repeat(22)}`);
    expect(r.status).toBe(422);
    expect(r.body.error).toBe('hash_out_of_bounds');
    expect(r.ms).toBeLessThan(1000);
  });

  it('runs checks off the main thread: health answers at once while a slow check runs, which ends at its deadline', async () => {
    const slow = compare(`$P$L${'a'.repeat(8)}${'b'.repeat(22)}`, { authorization: `Bearer ${STATIC_TOKEN}` });
    await new Promise((r) => setTimeout(r, 200));
    const health = await call(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(1000);
    const s = await slow;
    expect(s.status).toBe(503);
    expect(s.headers.get('retry-after')).toBe('1');
    expect(s.ms).toBeLessThan(3000);
    // The worker was replaced: checks work again once it has started (under tsx that takes a moment).
    let next = await compare(BCRYPT);
    for (let i = 0; i < 20 && next.status === 503; i++) next = await compare(BCRYPT);
    expect(next.body).toMatchObject({ data: { verified: true } });
  });

  it('rate-limits its token endpoint', async () => {
    // A service of its own, so that the other tests' token requests do not share its budget.
    const limited = await startVerifierService({ port: 0, ...CLIENT, workers: 1, tokenRatePerSecond: 2 });
    try {
      // Twelve guesses at once: a burst of twice the rate is answered (wrong secret: 401), the rest must wait.
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call(`${limited.url}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=guess-${i}`,
          }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(4);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
      for (const a of answers.filter((x) => x.status === 429)) expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});

describe('verifier service over TLS', () => {
  it('serves HTTPS with the given certificate and key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const service = await startVerifierService({ port: 0, ...CLIENT, workers: 1, tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    try {
      expect(service.url).toMatch(/^https:\/\//);
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(`${service.url}/health`, { ca: readFileSync(cert) }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
    } finally {
      await service.close();
    }
  });
});

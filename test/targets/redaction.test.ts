import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { CloudentityTarget } from '../../src/targets/cloudentity/config.ts';
import { identify } from '../../src/hashes/index.ts';
import { TargetAuthError, TargetConfigError, createTarget, type Target } from '../../src/targets/index.ts';
import type { Outcome } from '../../src/model/index.ts';
import { startEchoTarget, type EchoTarget } from '../helpers/echo-target.ts';
import { fullUser, planned, send } from './fixtures.ts';

const SECRET = 'Echo-Client-Secret-0xDEADBEEF';
const HASHES = [
  '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K',
  '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0',
  '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
  'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=',
];

function users() {
  return HASHES.map((h, i) => {
    const r = identify(h);
    if (!r.ok) throw new Error(r.reason);
    return planned(fullUser(`echo-${i}`, r.hash));
  });
}

function cidaas(url: string): Target {
  return createTarget(
    CidaasTarget.parse({ kind: 'cidaas', baseUrl: url, clientId: 'ciam-migrate', clientSecret: SECRET, unsupportedHash: 'verifier', hashAlgorithms: { bcrypt: 'BCRYPT_{cost}', argon2id: 'ARGON2ID', 'pbkdf2-sha256': 'PBKDF2' } }),
  );
}

function cloudentity(url: string): Target {
  return createTarget(
    CloudentityTarget.parse({
      kind: 'cloudentity',
      baseUrl: url,
      clientId: 'ciam-migrate',
      clientSecret: SECRET,
      tenantId: 't1',
      poolId: 'p1',
      namespace: '0f0e0d0c-0b0a-4908-8706-050403020100',
      unsupportedHash: 'reset',
      totp: 'credential',
    }),
  );
}

/** Nothing the target was sent may come back: the secret, a token, a hash, the TOTP secret, an e-mail. */
function expectClean(text: string, echo: EchoTarget): void {
  expect(text).not.toContain(SECRET);
  for (const t of echo.tokens) expect(text).not.toContain(t);
  for (const h of HASHES) expect(text).not.toContain(h);
  expect(text).not.toContain('JBSWY3DPEHPK3PXP');
  expect(text).not.toMatch(/@example\.com/i);
}

function reasons(outcomes: Outcome[]): string[] {
  return outcomes.map((o) => (o.kind === 'ok' ? '' : o.reason));
}

describe('a target that echoes requests in its errors', () => {
  let echo: EchoTarget;
  beforeAll(async () => {
    echo = await startEchoTarget();
  });
  afterAll(() => echo.close());
  afterEach(() => {
    echo.status = 400;
    echo.errorText = 'echo';
    echo.tokenMode = 'ok';
    echo.failTokens = 0;
  });

  it.each([
    ['cidaas', cidaas],
    ['cloudentity', cloudentity],
  ] as const)('%s: dead-letter reasons carry no hash, token, TOTP secret or e-mail', async (_name, make) => {
    const t = make(echo.url);
    try {
      const out = await send(t, users());
      expect(out.every((o) => o.kind === 'rejected')).toBe(true);
      for (const r of reasons(out)) expectClean(r, echo);
      expect(echo.tokens.length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it.each([
    ['cidaas', cidaas],
    ['cloudentity', cloudentity],
  ] as const)('%s: "identifier <e-mail> already exists" for four users is one reason, with no e-mail in it', async (_name, make) => {
    echo.status = 409;
    echo.errorText = 'conflict';
    const t = make(echo.url);
    try {
      const out = await send(t, users());
      expect(new Set(reasons(out))).toEqual(new Set(['identifier <email> already exists']));
    } finally {
      await t.close();
    }
  });

  it('retryable answers (5xx) to upserts and deletes are cleaned the same way', async () => {
    echo.status = 500;
    const t = cidaas(echo.url);
    try {
      const out = [...(await send(t, users())), ...(await t.remove(['echo-0', 'echo-1']))];
      expect(out.every((o) => o.kind === 'retryable')).toBe(true);
      for (const r of reasons(out)) expectClean(r, echo);
    } finally {
      await t.close();
    }
  });

  it('a token endpoint that echoes client_secret: the fatal error and its stack do not carry it', async () => {
    echo.tokenMode = 'echo-401';
    const t = cidaas(echo.url);
    try {
      const err = await t.open?.().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TargetAuthError);
      const e = err as Error;
      expectClean(`${e.message}\n${e.stack ?? ''}`, echo);
      expect(e.message).toMatch(/HTTP 401/);
    } finally {
      await t.close();
    }
  });

  it('a 5xx from the token endpoint at start is retried with backoff, not fatal', async () => {
    echo.failTokens = 2;
    const before = echo.tokenRequests;
    const t = cidaas(echo.url);
    try {
      await expect(t.open?.()).resolves.toBeUndefined();
      expect(echo.tokenRequests - before).toBe(3);
    } finally {
      await t.close();
    }
  });

  it('a 404 from the token endpoint says the path is wrong, not the credentials', async () => {
    echo.tokenMode = 'not-found';
    const t = cidaas(`${echo.url}/wrong-prefix`);
    try {
      const err = (await t.open?.().then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
      expect(err).toBeInstanceOf(TargetConfigError);
      expect(err.message).toMatch(/not found/);
      expect(err.message).toMatch(/\/wrong-prefix\/token-srv\/token/);
      expect(err.message).toMatch(/baseUrl/);
      expect(err.message).not.toMatch(/clientSecret/);
      expectClean(err.message, echo);
    } finally {
      await t.close();
    }
  });
});

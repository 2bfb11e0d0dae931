/**
 * Issue 31's layout tests: one source spec migrated into both emulators, then each known user tried
 * at `POST /_emulator/login`. cidaas runs with `unsupportedHash: verifier` (what it cannot take goes
 * through `ciam-migrate verifier`), Cloudentity with `unsupportedHash: reset` (it has no verifier),
 * so every user's outcome on each target is visible and asserted.
 */
import { expect } from 'vitest';
import { startVerifierService } from '../../src/targets/cidaas/verifier-service.ts';
import type { HashHint } from '../../src/hashes/index.ts';
import { cidaasTarget, cloudentityTarget, migrate, startCidaas, startCloudentity, type Migrated, type MigrationSpec } from './sources-helpers.ts';

/** What a user's original password gets at the target's login. */
export type Outcome = 'login' | 'reset' | 'inactive' | 'absent';

export interface Who {
  /** E-mail or username, as the user would type it. */
  login: string;
  password: string;
  cidaas: Outcome;
  cloudentity: Outcome;
}

interface LoginReply {
  ok: boolean;
  reason?: string;
}

async function postLogin(baseUrl: string, identifier: string, password: string): Promise<LoginReply> {
  const res = await fetch(`${baseUrl}/_emulator/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginReply;
}

async function expectOutcome(target: string, baseUrl: string, who: Who, outcome: Outcome): Promise<void> {
  const label = `${target}: ${who.login}`;
  const right = await postLogin(baseUrl, who.login, who.password);
  if (outcome === 'login') {
    expect(right, `${label} logs in with the original password`).toMatchObject({ ok: true });
    expect(await postLogin(baseUrl, who.login, `${who.password}-wrong`), `${label} with a wrong password`).toMatchObject({
      ok: false,
      reason: 'wrong password',
    });
  } else if (outcome === 'reset') expect(right, `${label} must reset`).toMatchObject({ ok: false, reason: 'must reset' });
  else if (outcome === 'inactive') expect(right, `${label} is disabled`).toMatchObject({ ok: false, reason: 'inactive' });
  else expect(right, `${label} is not there`).toMatchObject({ ok: false, reason: 'unknown user' });
}

export interface BothResult {
  cidaas: Migrated;
  cloudentity: Migrated;
}

/** cidaas ids for what it takes natively; the rest goes through the verifier. */
const CIDAAS_NATIVE = { bcrypt: 'BCRYPT_{cost}', 'pbkdf2-sha256': 'PBKDF2', argon2id: 'ARGON2', sha256: 'SHA256', sha1: 'SHA1' };

export async function migrateIntoBoth(
  dir: string,
  name: string,
  spec: Omit<MigrationSpec, 'target'>,
  who: Who[],
  options: { verifierHint?: HashHint; cidaas?: Record<string, unknown> } = {},
): Promise<BothResult> {
  const token = `verifier-${name}`;
  const verifier = await startVerifierService({ port: 0, clientId: 'cidaas', clientSecret: 'unused', bearerToken: token, hashHint: options.verifierHint ?? {} });
  const cidaas = await startCidaas({
    customVerifierUrl: `${verifier.url}/verify`,
    customVerifierToken: token,
  });
  const cloudentity = await startCloudentity();
  try {
    const intoCidaas = await migrate(
      dir,
      { ...spec, target: cidaasTarget(cidaas.url, { unsupportedHash: 'verifier', hashAlgorithms: CIDAAS_NATIVE, ...options.cidaas }) },
      `${name}-cidaas`,
    );
    const intoCloudentity = await migrate(dir, { ...spec, target: cloudentityTarget(cloudentity.url, { unsupportedHash: 'reset' }) }, `${name}-ce`);
    for (const w of who) {
      await expectOutcome('cidaas', cidaas.url, w, w.cidaas);
      await expectOutcome('cloudentity', cloudentity.url, w, w.cloudentity);
    }
    return { cidaas: intoCidaas, cloudentity: intoCloudentity };
  } finally {
    await cidaas.close();
    await cloudentity.close();
    await verifier.close();
  }
}

/** Every user of the list logs in on both (the target took the hash, natively or through the verifier). */
export const everywhere = (login: string, password: string): Who => ({ login, password, cidaas: 'login', cloudentity: 'login' });
/** Logs in on cidaas through the verifier; Cloudentity cannot take the hash, so the user must reset there. */
export const verifierOnly = (login: string, password: string): Who => ({ login, password, cidaas: 'login', cloudentity: 'reset' });

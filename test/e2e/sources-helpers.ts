/**
 * Helpers for the per-source end-to-end tests: a config as a user would write it (YAML, `${ENV}`
 * secrets), the product's own pipeline (`openPipeline` → `runMigration` with a SQLite ledger), and
 * the emulators as targets. Nothing here knows a source: every test goes through the product.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import type { MigrationConfig } from '../../src/config/schema.ts';
import {
  CIDAAS_SCOPES,
  startCidaasEmulator,
  type CidaasEmulatorHandle,
  type CidaasEmulatorInput,
  type CidaasUser,
} from '../../src/emulators/cidaas/index.ts';
import {
  startCloudentityEmulator,
  type CloudentityEmulatorHandle,
  type CloudentityEmulatorInput,
} from '../../src/emulators/cloudentity/index.ts';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { runMigration, type RunSummary } from '../../src/engine/run.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { TargetStats } from '../../src/targets/target.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/sources');
export const fixture = (rel: string): string => path.join(FIXTURES, rel);

export const CLIENT = { clientId: 'sources-e2e', clientSecret: 'sources-e2e-secret' };
/** Secrets reach the config through `${ENV}` interpolation, as the docs tell users to do. */
export const ENV = { SRC_E2E_CLIENT_ID: CLIENT.clientId, SRC_E2E_CLIENT_SECRET: CLIENT.clientSecret };
export const CE_NAMESPACE = '0b6f3c1e-7d2a-4e5f-9a8b-1c2d3e4f5a6b';
export const CE_TENANT = 'acme-target';
export const CE_POOL = 'migrated';

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `e2e-src-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function startCidaas(input: CidaasEmulatorInput = {}): Promise<CidaasEmulatorHandle> {
  return startCidaasEmulator({
    clients: [{ ...CLIENT, scopes: [...CIDAAS_SCOPES], migrationMode: true }],
    ...input,
  });
}

export function startCloudentity(input: CloudentityEmulatorInput = {}): Promise<CloudentityEmulatorHandle> {
  return startCloudentityEmulator({
    tenant: CE_TENANT,
    pools: [CE_POOL],
    clients: [{ ...CLIENT, scopes: ['manage_configuration', 'read_configuration', 'identity'] }],
    ...input,
  });
}

export function cidaasTarget(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'cidaas',
    baseUrl: url,
    clientId: '${SRC_E2E_CLIENT_ID}',
    clientSecret: '${SRC_E2E_CLIENT_SECRET}',
    batchSize: 2,
    ...extra,
  };
}

export function cloudentityTarget(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'cloudentity',
    baseUrl: url,
    clientId: '${SRC_E2E_CLIENT_ID}',
    clientSecret: '${SRC_E2E_CLIENT_SECRET}',
    tenantId: CE_TENANT,
    poolId: CE_POOL,
    namespace: CE_NAMESPACE,
    batchSize: 2,
    ...extra,
  };
}

export interface MigrationSpec {
  source: Record<string, unknown>;
  mapping?: Record<string, unknown>;
  target: Record<string, unknown>;
}

export interface Migrated {
  summary: RunSummary;
  config: MigrationConfig;
  targetStats: TargetStats | undefined;
}

/**
 * Writes `migration.yaml` into `dir`, loads it like the CLI does (interpolation, validation, path
 * resolution) and runs one real migration through the engine into the target.
 */
export async function migrate(
  dir: string,
  spec: MigrationSpec,
  name = 'sources-e2e',
  env: Record<string, string> = {},
): Promise<Migrated> {
  const file = path.join(dir, `${name}.yaml`);
  const text = stringify({
    version: 1,
    name,
    source: spec.source,
    mapping: spec.mapping ?? { fields: {} },
    target: spec.target,
    ledger: { kind: 'sqlite', path: `./${name}.sqlite` },
    run: { concurrency: 2, initialConcurrency: 2, maxAttempts: 2 },
  });
  await writeFile(file, text);
  const config = parseConfig(text, file, { ...ENV, ...env });
  const ledger = await openLedger(config);
  try {
    const { source, mapper, target } = await openPipeline(config, dir);
    try {
      const summary = await runMigration({ config, ledger, source, mapper, target });
      return { summary, config, targetStats: target.stats?.() };
    } finally {
      await target.close();
    }
  } finally {
    await ledger.close();
  }
}

/** The user's `self` identity (or the first one) on the cidaas emulator. */
export function cidaasUser(emu: CidaasEmulatorHandle, sub: string): CidaasUser {
  const user = emu.users().find((u) => u.sub === sub);
  if (!user)
    throw new Error(
      `cidaas has no user ${sub}; it has ${emu
        .users()
        .map((u) => u.sub)
        .join(', ')}`,
    );
  return user;
}

export function selfIdentity(user: CidaasUser): Record<string, unknown> {
  const self = user.identities.find((i) => i.provider === 'self') ?? user.identities[0];
  if (!self) throw new Error(`user ${user.sub} has no identity`);
  return self;
}

interface LoginTarget {
  login(identifier: string, password: string): Promise<{ ok: boolean; reason?: string }>;
}

/** The original password logs in, a wrong one does not (and for the right reason). */
export async function expectLogin(emu: LoginTarget, identifier: string, password: string): Promise<void> {
  expect(await emu.login(identifier, password), `${identifier} with the original password`).toMatchObject({
    ok: true,
  });
  expect(
    await emu.login(identifier, `${password}-wrong`),
    `${identifier} with a wrong password`,
  ).toMatchObject({
    ok: false,
    reason: 'wrong password',
  });
}

/** The user exists but must set a new password first (no hash in the export, or a forced reset). */
export async function expectMustReset(
  emu: LoginTarget,
  identifier: string,
  password = 'anything',
): Promise<void> {
  expect(await emu.login(identifier, password), `${identifier} must reset`).toMatchObject({
    ok: false,
    reason: 'must reset',
  });
}

/** Sum of the ledger's dead letters whose reason matches. */
export function deadWith(summary: RunSummary, pattern: RegExp): number {
  return summary.deadByReason.filter((d) => pattern.test(d.reason)).reduce((n, d) => n + d.count, 0);
}

export { freePort, slapdAvailable, ssha, startSlapd, type Slapd } from '../helpers/slapd.ts';

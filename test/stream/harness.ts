import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { createMapper } from '../../src/mapping/index.ts';
import { createNormalisedMapper } from '../../src/stream/materialise.ts';
import { parseSyncConfig, type SyncContextConfig } from '../../src/stream/config.ts';
import { Applier, type ApplierOptions } from '../../src/stream/apply.ts';
import { createMaterialiser } from '../../src/stream/materialise.ts';
import { startSync, type SyncHandle } from '../../src/stream/sync.ts';
import type { EventInput } from '../../src/stream/input.ts';
import { createTarget, type Target } from '../../src/targets/index.ts';

export const MAPPING = `
mapping:
  fields:
    sourceId: id
    email: email
    emailVerified: { from: email_verified, transform: boolean }
    name.given: first_name
  attributes: { rev: { from: rev, transform: number } }
  password: { from: pw_hash }
`;

/** A migration.yaml pointing at `url` with the given `sync:` YAML block. */
export function writeConfig(dir: string, url: string, syncYaml: string, extra = '', targetYaml?: string): string {
  const file = path.join(dir, 'migration.yaml');
  writeFileSync(path.join(dir, 'users.csv'), 'id,email\n');
  writeFileSync(
    file,
    `version: 1
name: synctest
source: { kind: csv, path: users.csv }
${MAPPING}
target:
${targetYaml ?? `  kind: cidaas
  baseUrl: ${url}
  clientId: ciam-migrate
  clientSecret: ciam-migrate-secret`}
ledger: { kind: sqlite, path: ${JSON.stringify(path.join(dir, 'ledger.sqlite'))} }
${extra}
sync:
${syncYaml}
`,
  );
  return file;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `${prefix}-`));
}

export async function startEmulator(): Promise<CidaasEmulatorHandle> {
  return startCidaasEmulator({ customFields: { rev: { type: 'number' } } });
}

/** What an apply-loop test drives directly: an emulator, an inbox of its own and a target whose calls give up after `timeoutMs`. */
export interface ApplyRig {
  emu: CidaasEmulatorHandle;
  inbox: SqliteInbox;
  target: Target;
  close(): Promise<void>;
}

export async function startApplyRig(prefix: string, timeoutMs: number): Promise<ApplyRig> {
  const emu = await startEmulator();
  const inbox = new SqliteInbox(`${tempDir(prefix)}/inbox.sqlite`);
  const target = createTarget(CidaasTarget.parse({ kind: 'cidaas', baseUrl: emu.url, clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', timeoutMs }));
  return {
    emu,
    inbox,
    target,
    async close() {
      await target.close();
      await inbox.close();
      await emu.close();
    },
  };
}

/** An apply loop for tests: one call at a time, small batches, quick polls; `o` names the rest. */
export function testApplier(o: Pick<ApplierOptions, 'inbox' | 'target' | 'owner'> & Partial<ApplierOptions>): Applier {
  return new Applier({
    materialise: createMaterialiser({}),
    batchSize: 10,
    maxEventsPerUser: 10,
    concurrency: { initial: 1, max: 1 },
    leaseMs: 60_000,
    retry: { maxAttempts: 10, backoffMs: () => 100 },
    pollMs: 20,
    ...o,
  });
}

export interface Running {
  cfg: SyncContextConfig;
  handle: SyncHandle;
  inbox: SqliteInbox;
  close(): Promise<void>;
}

export async function runSyncInProcess(file: string, env: NodeJS.ProcessEnv = process.env, inputs?: EventInput[]): Promise<Running> {
  const { readFileSync } = await import('node:fs');
  const cfg = parseSyncConfig(readFileSync(file, 'utf8'), file, env);
  const inbox = new SqliteInbox(cfg.inboxPath);
  const mapper = await createMapper(cfg.migration.mapping, { baseDir: cfg.baseDir });
  const target = createTarget(cfg.migration.target);
  const normalisedMapper = await createNormalisedMapper(cfg.migration, cfg.baseDir);
  const handle = await startSync({ migration: cfg.migration, sync: cfg.sync, inbox, target, mapper, normalisedMapper, ...(inputs ? { inputs } : {}) });
  return {
    cfg,
    handle,
    inbox,
    async close() {
      await handle.stop();
      await target.close();
      await inbox.close();
    },
  };
}

/** The cidaas emulator's view of one user: what the final-state checks compare. */
export function emulatorState(emu: CidaasEmulatorHandle): Map<string, { email: unknown; rev: unknown; given: unknown }> {
  const out = new Map<string, { email: unknown; rev: unknown; given: unknown }>();
  for (const u of emu.users()) {
    if (u.userStatus === 'DELETED') continue;
    const id = u.identities[0];
    out.set(u.sub, { email: id?.email, rev: u.customFields.rev, given: id?.given_name ?? u.account.given_name });
  }
  return out;
}

/** Polls `check` every 20 ms until it returns a value; fails after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

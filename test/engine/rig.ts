import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { MigrationConfig } from '../../src/config/schema.ts';
import { CIDAAS_SCOPES, startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import type { FaultOptions } from '../../src/emulators/shared/types.ts';

export interface EngineRig {
  /** Holds users.csv; configs and ledgers go here too. */
  dir: string;
  emu: CidaasEmulatorHandle;
}

/** users.csv in `dir`: these rows under the header id,email,first_name. */
export async function writeUsersCsv(dir: string, rows: string[]): Promise<void> {
  await writeFile(path.join(dir, 'users.csv'), `id,email,first_name\n${rows.join('\n')}\n`);
}

/** `n` valid users as CSV rows, ids `${idPrefix}0`, `${idPrefix}1`…. */
export function userRows(n: number, idPrefix: string): string[] {
  return Array.from({ length: n }, (_, i) => `${idPrefix}${i},user.${i}@example.com,First${i}`);
}

/** For each test: a fresh directory with `users` users in users.csv, and a cidaas emulator that knows `client`. */
export function useEngineRig(o: {
  prefix: string;
  users: number;
  idPrefix: string;
  client: { clientId: string; clientSecret: string };
  faults?: Partial<FaultOptions>;
}): EngineRig {
  const rig = {} as EngineRig;
  beforeEach(async () => {
    rig.dir = await mkdtemp(path.join(os.tmpdir(), `${o.prefix}-`));
    await writeUsersCsv(rig.dir, userRows(o.users, o.idPrefix));
    rig.emu = await startCidaasEmulator({ clients: [{ ...o.client, scopes: [...CIDAAS_SCOPES], migrationMode: true }], ...(o.faults ? { faults: o.faults } : {}) });
  });
  afterEach(async () => {
    await rig.emu.close();
    await rm(rig.dir, { recursive: true, force: true });
  });
  return rig;
}

/** A migration of the rig's users.csv into its emulator, with `extra` YAML (ledger, run…) appended. */
export function rigConfig(rig: EngineRig, o: { name: string; client: { clientId: string; clientSecret: string }; batchSize: number; extra?: string }): MigrationConfig {
  return parseConfig(
    `version: 1
name: ${o.name}
source: { kind: csv, path: ./users.csv }
mapping: { fields: { sourceId: id, email: email, name.given: first_name } }
target: { kind: cidaas, baseUrl: ${rig.emu.url}, clientId: ${o.client.clientId}, clientSecret: ${o.client.clientSecret}, batchSize: ${o.batchSize} }
${o.extra ?? ''}`,
    path.join(rig.dir, 'migration.yaml'),
    {},
  );
}

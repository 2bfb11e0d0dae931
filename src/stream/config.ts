import path from 'node:path';
import { ConfigError, loadConfig, parseConfig, type LoadOptions } from '../config/load.ts';
import type { MigrationConfig } from '../config/schema.ts';
import type { SyncConfig } from '../config/sync.ts';

export interface SyncContextConfig {
  migration: MigrationConfig;
  sync: SyncConfig;
  baseDir: string;
  /** The inbox's SQLite file: `sync.inbox.path`, else the bulk ledger's file. */
  inboxPath: string;
}

/** Reads migration.yaml for `ciam-migrate sync`, which needs its `sync:` section. */
export function parseSyncConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): SyncContextConfig {
  return syncContext(parseConfig(text, file, env), file);
}

/** `offline`: for the commands that only read or change the inbox (`--status`, …): the target's and inputs' variables may be unset. */
export async function loadSyncConfig(file: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<SyncContextConfig> {
  return syncContext(await loadConfig(file, env, options), file);
}

function syncContext(migration: MigrationConfig, file: string): SyncContextConfig {
  const sync = migration.sync;
  if (sync === undefined) throw new ConfigError(file, ['sync: missing; `ciam-migrate sync` needs a sync section with inputs']);
  const baseDir = path.dirname(path.resolve(file));
  const ledger = migration.ledger;
  const inboxPath =
    sync.inbox?.path ?? (ledger?.kind === 'sqlite' ? ledger.path : path.resolve(baseDir, `.ciam-migrate/${migration.name}.sqlite`));
  return { migration, sync, baseDir, inboxPath };
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError, parseConfig } from '../config/load.ts';
import { interpolate, InterpolationError } from '../config/interpolate.ts';
import type { MigrationConfig } from '../config/schema.ts';
import { SyncConfig } from '../config/sync.ts';

export interface SyncContextConfig {
  migration: MigrationConfig;
  sync: SyncConfig;
  baseDir: string;
  /** The inbox's SQLite file: `sync.inbox.path`, else the bulk ledger's file. */
  inboxPath: string;
}

/**
 * Reads migration.yaml with its `sync:` section. The section is validated here and removed before
 * the rest goes through the main loader, so this works whether or not `MigrationConfig` knows `sync`.
 */
export function parseSyncConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): SyncContextConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    return { ...parseConfig(text, file, env) } as never; // parseConfig raises the YAML error with its message
  }
  if (raw === null || typeof raw !== 'object') throw new ConfigError(file, ['expected a YAML mapping at the top level']);
  const { sync: rawSync, ...rest } = raw as Record<string, unknown>;
  const migration = parseConfig(stringifyYaml(rest), file, env);
  if (rawSync === undefined) throw new ConfigError(file, ['sync: missing; `ciam-migrate sync` needs a sync section with inputs']);
  let interpolated: unknown;
  try {
    interpolated = interpolate(rawSync, env, 'sync');
  } catch (err) {
    if (err instanceof InterpolationError) throw new ConfigError(file, [err.message]);
    throw err;
  }
  const parsed = SyncConfig.safeParse(interpolated);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((i) => `sync.${i.path.map(String).join('.')}: ${i.message}`),
    );
  }
  const baseDir = path.dirname(path.resolve(file));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  const sync: SyncConfig = {
    ...parsed.data,
    inputs: parsed.data.inputs.map((i) => (i.kind === 'file' ? { ...i, path: abs(i.path) } : i)),
    ...(parsed.data.inbox?.path ? { inbox: { ...parsed.data.inbox, path: abs(parsed.data.inbox.path) } } : {}),
  };
  const ledger = migration.ledger;
  const inboxPath =
    sync.inbox?.path ?? (ledger?.kind === 'sqlite' ? ledger.path : abs(`.ciam-migrate/${migration.name}.sqlite`));
  return { migration, sync, baseDir, inboxPath };
}

export async function loadSyncConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<SyncContextConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseSyncConfig(text, file, env);
}

import path from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { MigrationConfig } from '../config/schema.ts';
import { openLedger, type Ledger } from '../ledger/index.ts';

export interface MigrationContext {
  config: MigrationConfig;
  ledger: Ledger;
  /** Relative paths inside the config resolve against its folder. */
  baseDir: string;
}

export async function openContext(configFile: string): Promise<MigrationContext> {
  const config = await loadConfig(configFile);
  return { config, ledger: openLedger(config), baseDir: path.dirname(path.resolve(configFile)) };
}

import { loadConfig } from '../config/load.ts';
import type { MigrationConfig } from '../config/schema.ts';
import { openLedger, type Ledger } from '../ledger/index.ts';
import { createMapper } from '../mapping/index.ts';
import { createSource } from '../sources/index.ts';
import { createTarget } from '../targets/index.ts';
import type { Target } from '../targets/target.ts';

export interface MigrationContext {
  config: MigrationConfig;
  ledger: Ledger;
}

export async function openContext(configFile: string): Promise<MigrationContext> {
  const config = await loadConfig(configFile);
  return { config, ledger: openLedger(config) };
}

export async function openPipeline(config: MigrationConfig) {
  const source = createSource(config.source);
  const mapper = await createMapper(config.mapping);
  const target: Target = createTarget(config.target);
  return { source, mapper, target };
}

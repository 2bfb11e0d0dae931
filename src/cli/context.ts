import path from 'node:path';
import { loadConfig, type LoadOptions } from '../config/load.ts';
import type { MigrationConfig } from '../config/schema.ts';
import { openLedger, type Ledger, type LedgerUpgrade } from '../ledger/index.ts';

export interface MigrationContext {
  config: MigrationConfig;
  ledger: Ledger;
  /** Relative paths inside the config resolve against its folder. */
  baseDir: string;
}

export async function openContext(configFile: string, options: LoadOptions = {}): Promise<MigrationContext> {
  const config = await loadConfig(configFile, process.env, options);
  const ledger = await openLedger(config, { onUpgrade: (u) => process.stderr.write(upgradeNotice(u)) });
  return { config, ledger, baseDir: path.dirname(path.resolve(configFile)) };
}

/** Said before an upgrade that may copy every user, so the command does not seem to hang. */
function upgradeNotice(u: LedgerUpgrade): string {
  return (
    `ciam-migrate: upgrading the ledger ${u.file} from schema ${u.from} to ${u.to} (${u.users.toLocaleString('en-US')} users), once: ` +
    `one transaction that may copy every user (measured: ~14 s per million users) and needs free disk of about twice the ledger's size until it commits; ` +
    `interrupting it leaves the ledger as it was\n`
  );
}

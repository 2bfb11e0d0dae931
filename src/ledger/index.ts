import type { MigrationConfig } from '../config/schema.ts';
import type { Ledger } from './ledger.ts';
import { SqliteLedger, type SqliteLedgerOptions } from './sqlite.ts';

export * from './ledger.ts';
export { fingerprint, fingerprintJson } from './fingerprint.ts';
export { newOwnerId } from './owner.ts';
export { SqliteLedger, LedgerBusyError, type LedgerUpgrade, type SqliteLedgerOptions } from './sqlite.ts';

/** Open the configured ledger; asynchronous because a networked one connects first. */
export async function openLedger(config: MigrationConfig, options: SqliteLedgerOptions = {}): Promise<Ledger> {
  const ledger = config.ledger ?? { kind: 'sqlite', path: `.ciam-migrate/${config.name}.sqlite` };
  if (ledger.kind === 'sqlite') return new SqliteLedger(ledger.path, options);
  throw new Error('the PostgreSQL ledger is not available yet; use ledger.kind: sqlite');
}

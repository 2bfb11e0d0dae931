import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SqliteLedger } from '../../src/ledger/index.ts';
import { ledgerContract, type LedgerStore } from './contract.ts';

/** A fresh SQLite file per test; `open` is another connection to it, as another process would have. */
function sqliteStore(): Promise<LedgerStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-contract-'));
  const file = path.join(dir, 'ledger.sqlite');
  return Promise.resolve({ open: async () => new SqliteLedger(file), dispose: () => rm(dir, { recursive: true, force: true }) });
}

// Every Ledger implementation, one line each.
ledgerContract('SqliteLedger', sqliteStore);

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_SCHEMA_VERSION } from '../../src/ledger/schema-sqlite.ts';
import { writeOldLedger } from '../ledger/old-ledger.ts';
import { runCli, writeCidaasConfig } from './helpers.ts';

describe('opening a ledger an older version wrote (real CLI process)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('says so on stderr before the one-time upgrade, once, and then works on the upgraded ledger', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-upgrade-'));
    dirs.push(dir);
    writeOldLedger(path.join(dir, 'ledger.sqlite'), 2);
    // status reads only the ledger: the target is never called.
    const config = await writeCidaasConfig(dir, path.join(dir, 'users.csv'), 'http://127.0.0.1:9');
    const env = { E2E_CLIENT_ID: 'id', E2E_CLIENT_SECRET: 'secret' };

    const first = await runCli(['status', '-c', config, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`upgrading the ledger ${path.join(dir, 'ledger.sqlite')} from schema 2 to ${SQLITE_SCHEMA_VERSION} (3 users), once`);
    expect(JSON.parse(first.stdout)).toMatchObject({ byState: { synced: 1, pending: 1, dead: 1 } });

    const second = await runCli(['status', '-c', config, '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('upgrading');
  });
});

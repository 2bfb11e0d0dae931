import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { openPipeline } from '../../src/engine/pipeline.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { ReadableTarget } from '../../src/targets/target.ts';
import { InboxLookup } from '../../src/verify/inflight.ts';
import { verifyMigration } from '../../src/verify/reconcile.ts';
import { call, cidaasToken } from '../emulators/http.ts';
import { runCli } from '../e2e/helpers.ts';
import { writeCsv, writeRehearsalConfig, type Row } from '../e2e/verify-helpers.ts';
import { v } from '../stream/fixtures.ts';

/**
 * How verify explains what it finds, from the ledger and the sync's inbox: pending events and a
 * source change newer than the last run are in flight (not drift); a dead letter keeps its reason;
 * a user the adapter would refuse is "never sent".
 */
describe('verifyMigration: in flight, dead letters and refusals', () => {
  let dir: string;
  let emu: CidaasEmulatorHandle;
  let rows: Row[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'verify-explain-'));
    emu = await startCidaasEmulator({ customFields: { rev: { type: 'number' } } });
    const pw = await hash('pw', 4);
    rows = ['ok', 'pending', 'changed', 'dead', 'crypt'].map((id) => ({ id, email: `${id}@example.com`, email_verified: 'true', first_name: id, rev: 1, pw_hash: pw }));
    rows[3]!.email = 'dead@mailinator.com'; // refused by cidaas: a disposable domain
    rows[4]!.pw_hash = '$6$saltsalt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
    await writeCsv(path.join(dir, 'users.csv'), rows);
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('tells each case apart and names its reason', async () => {
    const file = await writeRehearsalConfig(dir, `  kind: cidaas\n  baseUrl: ${emu.url}\n  clientId: ciam-migrate\n  clientSecret: ciam-migrate-secret`);
    expect((await runCli(['run', '-c', file])).code).toBe(3); // dead and crypt are dead-lettered
    // "pending": purged behind the tool's back, but an event for it waits in the sync's inbox.
    expect((await call(`${emu.url}/users-srv/user/purge/pending`, { method: 'DELETE', token: await cidaasToken(emu.url) })).status).toBe(202);
    const inbox = new SqliteInbox(path.join(dir, 'ledger.sqlite'));
    await inbox.append([{ ok: true, event: { id: 'e1', source: 'urn:legacy', type: 'user.updated', subject: 'pending', version: v(2), time: new Date().toISOString() } }]);
    await inbox.close();
    // "changed": changed at the source after the run, no event.
    await writeCsv(path.join(dir, 'users.csv'), rows.map((r) => (r.id === 'changed' ? { ...r, first_name: 'Later' } : r)));

    const config = await loadConfig(file);
    const ledger = await openLedger(config);
    const { source, mapper, target } = await openPipeline(config, dir);
    const inflight = new InboxLookup(ledger.file);
    try {
      const report = await verifyMigration({
        config,
        ledger,
        source,
        mapper,
        reader: (target as unknown as ReadableTarget).reader(),
        inbox: inflight,
        concurrency: { initial: 2, max: 4 },
        maxAttempts: 3,
        requeue: false,
        restart: false,
      });
      expect(report.counts).toMatchObject({ ok: 1, inflight: 2, dead: 1, refused: 1, missing: 0, drift: 0 });
      const inflightReasons = Object.fromEntries(report.findings.inflight.map((f) => [f.sourceId, [f.found, f.reason]]));
      expect(inflightReasons).toEqual({
        pending: ['missing', 'events for this user are still pending in the sync'],
        changed: ['drift', 'changed at the source since the last run: the next run sends it'],
      });
      expect(report.findings.dead).toEqual([expect.objectContaining({ sourceId: 'dead', found: 'missing', reason: 'dead letter: invalid email passed' })]);
      expect(report.findings.refused).toEqual([expect.objectContaining({ sourceId: 'crypt', reason: 'cidaas tenant has no algorithmTypeId configured for sha512-crypt' })]);
      expect(report.exitCode).toBe(3);
    } finally {
      inflight.close();
      await target.close();
      await ledger.close();
    }
  });
});

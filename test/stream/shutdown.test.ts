import { once } from 'node:events';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox-sqlite.ts';
import { startEmulator, tempDir, writeConfig } from './harness.ts';
import { exitCode, spawnSync } from './processes.ts';

const natsUp = await serviceAvailable(SERVICES.nats);

describe.skipIf(!natsUp)('graceful shutdown', () => {
  let emu: CidaasEmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  it('SIGTERM: exits 0 promptly; every message acked upstream is in the inbox and none is left unacked', async () => {
    const tag = `gs${Date.now().toString(36)}`;
    const stream = tag.toUpperCase();
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${tag}.>`] });
    try {
      const dir = tempDir('sync-stop');
      const file = writeConfig(
        dir,
        emu.url,
        `  inputs:
    - { kind: nats, stream: ${stream}, durable: sync, batch: 200, envelope: { kind: cloudevents } }
  http: { port: 0 }
`,
      );
      const js = jetstream(nc);
      const total = 20_000;
      const pubs: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        const u = `s${i % 2000}`;
        pubs.push(js.publish(`${tag}.u`, JSON.stringify({ specversion: '1.0', id: `e${i}`, source: 'urn:t', type: 'user.updated', subject: u, sequence: String(i + 1), data: { email: `${u}@example.com` } })));
      }
      await Promise.all(pubs);
      const sync = spawnSync(file);
      // Stop it while it is consuming.
      const inbox = new SqliteInbox(`${dir}/ledger.sqlite`);
      for (let i = 0; i < 200 && (await inbox.stats()).received < 2000; i++) await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      sync.kill('SIGTERM');
      expect(await exitCode(sync, 20_000), sync.output()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
      const info = await jsm.consumers.info(stream, 'sync');
      const s = await inbox.stats();
      await inbox.close();
      expect(info.num_ack_pending).toBe(0);
      // Acked = delivered minus what waits for redelivery; each acked message is in the inbox.
      expect(s.received).toBe(total - info.num_pending);
      expect(s.received).toBeLessThan(total);
      void once;
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  }, 120_000);
});

import amqp from 'amqplib';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { emulatorState, startEmulator, tempDir, writeConfig } from './harness.ts';
import { exitCode, kill9, spawnSync } from './processes.ts';
import { cloudEvent, deliveryOrder, diffFinal, makeWorkload } from './workload.ts';

const EVENTS = Number(process.env.CIAM_SYNC_RABBIT_EVENTS ?? 15_000);
const USERS = Math.max(10, Math.round(EVENTS / 30));
const URL = 'amqp://guest:guest@127.0.0.1:5672';
const rabbitUp = await serviceAvailable(SERVICES.rabbitmq);

describe.skipIf(!rabbitUp)('RabbitMQ input (real broker, manual acks)', () => {
  let emu: CidaasEmulatorHandle;
  let hashes: string[];
  beforeAll(async () => {
    emu = await startEmulator();
    hashes = await Promise.all(['a', 'b'].map((p) => hash(`pw-${p}`, 4)));
  });
  afterAll(async () => {
    await emu.close();
  });

  it(`${EVENTS} events over ${USERS} users with duplicates, out-of-order and bad messages, sync killed -9 twice (inbox on its own thread): target equals the source`, async () => {
    const queue = `ciam-sync-test-${Date.now().toString(36)}`;
    const dir = tempDir('sync-rabbit');
    const file = writeConfig(
      dir,
      emu.url,
      `  inputs:
    - { kind: rabbitmq, url: "${URL}", queue: ${queue}, prefetch: 300, envelope: { kind: cloudevents, data: mapped } }
  batchSize: 200
  # ~3 % of the changes are deletes, in bursts: the delete cap is not what this test is about.
  maxDeletesPerMinute: 0
  inbox: { kind: sqlite, thread: true }
`,
    );
    const wl = makeWorkload(EVENTS, USERS, hashes, 7);
    const order = deliveryOrder(wl.events, 0.05, 16, 8);
    const conn = await amqp.connect(URL);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    try {
      let sync = spawnSync(file);
      const bodies = order.map((e) => cloudEvent(e));
      // Bad messages in the middle: they must be dead letters, not a stall.
      bodies.splice(100, 0, 'not json', JSON.stringify({ specversion: '1.0', id: 'bad-type', source: 's', type: 'user.teleported', subject: 'r1', sequence: '1', data: {} }));
      const kills = [Math.floor(bodies.length / 3), Math.floor((2 * bodies.length) / 3)];
      for (let i = 0; i < bodies.length; i += 500) {
        for (const b of bodies.slice(i, i + 500)) ch.sendToQueue(queue, Buffer.from(b), { persistent: true, contentType: 'application/cloudevents+json' });
        await ch.waitForConfirms();
        if (kills[0] !== undefined && i >= kills[0]) {
          kills.shift();
          await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
          await kill9(sync);
          sync = spawnSync(file);
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
      await kill9(sync);
      const final = spawnSync(file, ['--until-drained']);
      // Drained, with the two bad messages as dead letters: "finished with dead letters" is exit 3.
      expect(await exitCode(final, 180_000), final.output()).toBe(3);
      expect(final.output()).toContain('2 dead letters remain');
      const inbox = new SqliteInbox(`${dir}/ledger.sqlite`);
      const s = await inbox.stats();
      await inbox.close();
      expect(s).toMatchObject({ backlog: 0, lagMs: 0, dead: 2 });
      expect(s.received).toBe(wl.events.length + 2);
      expect(diffFinal(wl.final, emulatorState(emu)).slice(0, 5)).toEqual([]);
      expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    } finally {
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close();
    }
  }, 600_000);
});

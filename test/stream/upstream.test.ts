/**
 * What waits upstream of the sync (broker messages not yet taken, WAL a slot holds) is counted, and
 * shown by `status` (from another process: the running sync stores it in the inbox) and the metrics.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeConfig } from '../../src/stream/envelope/config.ts';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { createDecoder } from '../../src/stream/envelope/index.ts';
import type { InputSink, UpstreamBacklog } from '../../src/stream/input.ts';
import { NatsInput } from '../../src/stream/inputs/nats/nats.ts';
import { RabbitInput } from '../../src/stream/inputs/rabbitmq/rabbitmq.ts';
import { Pump } from '../../src/stream/pump.ts';
import { formatSyncStatus } from '../../src/stream/status.ts';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import { runSyncInProcess, startEmulator, tempDir, writeConfig } from './harness.ts';
import { MemoryInput } from './memory-input.ts';

const natsUp = await serviceAvailable(SERVICES.nats);
const rabbitUp = await serviceAvailable(SERVICES.rabbitmq);
const decoder = createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents' }), {});
/** A sink that never commits: everything delivered stays unacknowledged upstream. */
const stuck: InputSink = { ingest: () => new Promise(() => undefined) };
const body = (i: number) => JSON.stringify({ specversion: '1.0', id: `e${i}`, source: 's', type: 'user.deleted', subject: `u${i}`, sequence: '1' });

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('upstream backlog', () => {
  it.skipIf(!natsUp)('NATS: messages pending or unacked on the durable consumer', async () => {
    const tag = `up${Date.now().toString(36)}`;
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: tag.toUpperCase(), subjects: [`${tag}.>`] });
    const input = new NatsInput({ name: 'n', servers: '127.0.0.1:4222', stream: tag.toUpperCase(), subjects: [], durable: 'up', ackWaitMs: 30_000, maxAckPending: 1000, batch: 10, decoder });
    try {
      const js = jetstream(nc);
      for (let i = 0; i < 40; i++) await js.publish(`${tag}.u`, body(i));
      await input.start(new Pump(input, stuck, () => undefined));
      const up = await eventually(() => input.upstream(), (u) => u?.pending === 40);
      expect(up).toEqual({ pending: 40 });
    } finally {
      await input.stop();
      await jsm.streams.delete(tag.toUpperCase()).catch(() => undefined);
      await nc.close();
    }
  });

  it.skipIf(!rabbitUp)('RabbitMQ: queue depth plus deliveries not yet acked', async () => {
    const queue = `ciam-up-${Date.now().toString(36)}`;
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    const input = new RabbitInput({ name: 'r', url: 'amqp://guest:guest@127.0.0.1:5672', queue, declare: true, arguments: {}, prefetch: 10, decoder });
    try {
      for (let i = 0; i < 40; i++) ch.sendToQueue(queue, Buffer.from(body(i)));
      await ch.waitForConfirms();
      await input.start(new Pump(input, stuck, () => undefined));
      const up = await eventually(() => input.upstream(), (u) => u?.pending === 40);
      expect(up).toEqual({ pending: 40 });
    } finally {
      await input.stop();
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close();
    }
  });

  describe('in status and metrics', () => {
    let emu: CidaasEmulatorHandle;
    beforeAll(async () => {
      emu = await startEmulator();
    });
    afterAll(async () => emu.close());

    it('the running sync stores what waits upstream; status (another process) and /metrics show it', async () => {
      class Reporting extends MemoryInput {
        upstream(): Promise<UpstreamBacklog> {
          return Promise.resolve({ pending: 42, lagBytes: 4096 });
        }
      }
      const input = new Reporting('broker', { kind: 'cloudevents' }, {});
      const dir = tempDir('sync-upstream');
      const file = writeConfig(dir, emu.url, `  inputs: [{ kind: file, path: unused }]\n  http: { port: 0 }\n  statusIntervalMs: 200\n`);
      const run = await runSyncInProcess(file, process.env, [input]);
      try {
        // What `ciam-migrate status` reads: the inbox file, opened apart.
        const other = new SqliteInbox(`${dir}/ledger.sqlite`);
        const s = await eventually(() => other.stats(), (x) => x.live !== undefined);
        await other.close();
        expect(s.live?.inputs).toEqual([{ name: 'broker', kind: 'memory', connected: true, pending: 42, lagBytes: 4096 }]);
        expect(formatSyncStatus(s)).toMatch(/broker +memory, connected, 42 messages waiting upstream, slot holds 4096 bytes of WAL/);
        const metrics = await (await fetch(`${run.handle.healthUrl!}/metrics`)).text();
        expect(metrics).toContain('ciam_sync_upstream_pending_messages{input="broker"} 42');
        expect(metrics).toContain('ciam_sync_upstream_lag_bytes{input="broker"} 4096');
        expect(metrics).toContain('ciam_sync_input_connected{input="broker"} 1');
      } finally {
        await run.close();
      }
    });
  });
});

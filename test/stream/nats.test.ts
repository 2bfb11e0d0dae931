import { existsSync } from 'node:fs';
import { hash } from '@node-rs/bcrypt';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { EnvelopeConfig } from '../../src/stream/envelope/config.ts';
import type { IncomingEvent } from '../../src/ledger/inbox/inbox.ts';
import { createDecoder } from '../../src/stream/envelope/index.ts';
import { NatsInput } from '../../src/stream/inputs/nats/nats.ts';
import { Pump } from '../../src/stream/pump.ts';
import { intKey, withTieBreak } from '../../src/model/order-key.ts';
import { emulatorState, startEmulator, tempDir, writeConfig } from './harness.ts';
import { exitCode, freePort, kill9, OwnNats, spawnSync } from './processes.ts';
import { cloudEvent, deliveryOrder, diffFinal, makeWorkload } from './workload.ts';

const EVENTS = Number(process.env.CIAM_SYNC_RELIABILITY_EVENTS ?? 30_000);
const USERS = Number(process.env.CIAM_SYNC_RELIABILITY_USERS ?? Math.max(10, Math.round(EVENTS / 30)));
const KILLS = Number(process.env.CIAM_SYNC_RELIABILITY_KILLS ?? 3);

const natsUp = await serviceAvailable(SERVICES.nats);
const ownBroker = existsSync(OwnNats.binary);

async function publishAll(servers: string, subject: string, count: number, payload: (n: number) => { id: string; body: string }, onProgress: (n: number) => Promise<void>): Promise<void> {
  let nc: NatsConnection = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  let i = 0;
  while (i < count) {
    const chunk = Array.from({ length: Math.min(500, count - i) }, (_, k) => payload(i + k));
    try {
      const js = jetstream(nc, { timeout: 5000 });
      // msgID makes a publish retried after a broker restart idempotent; the injected duplicates have their own ids.
      await Promise.all(chunk.map((p) => js.publish(subject, p.body, { msgID: p.id })));
      i += chunk.length;
      await onProgress(i);
    } catch {
      await new Promise((r) => setTimeout(r, 300));
      if (nc.isClosed()) nc = await connect({ servers, maxReconnectAttempts: -1 });
    }
  }
  await nc.close();
}

describe.skipIf(!natsUp)('NATS JetStream input (real broker)', () => {
  let emu: CidaasEmulatorHandle;
  let hashes: string[];
  beforeAll(async () => {
    hashes = await Promise.all(['a', 'b', 'c'].map((p) => hash(`pw-${p}`, 4)));
  });
  // A fresh target per case: state left by another case would hide a lost event.
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  // Both inbox modes: on the main thread (one transaction per call) and on its own thread (group commits).
  it.each([
    ['the main thread', '  inbox: { kind: sqlite, thread: false }\n'],
    ['its own thread (the default)', ''],
  ])(
    `${EVENTS} events over ${USERS} users, duplicates and out-of-order, sync killed -9 ${KILLS}× and the broker restarted, inbox on %s: target equals the source`,
    async (_mode, inboxYaml) => {
      const broker = ownBroker ? new OwnNats(await freePort()) : undefined;
      await broker?.start();
      const servers = broker ? `127.0.0.1:${broker.port}` : '127.0.0.1:4222';
      const tag = `rel${Date.now().toString(36)}`;
      const dir = tempDir('sync-nats');
      const file = writeConfig(
        dir,
        emu.url,
        `  inputs:
    - { kind: nats, servers: "${servers}", stream: ${tag.toUpperCase()}, subjects: ["${tag}.>"], durable: sync, ackWaitMs: 2000, envelope: { kind: cloudevents, data: mapped } }
  batchSize: 200
  concurrency: 4
  # ~3 % of the changes are deletes, in bursts: the delete cap is not what this test is about.
  maxDeletesPerMinute: 0
${inboxYaml}`,
      );
      const wl = makeWorkload(EVENTS, USERS, hashes);
      const order = deliveryOrder(wl.events, 0.05, 16);
      const payload = (n: number) => ({ id: `${order[n]!.id}#${n}`, body: cloudEvent(order[n]!) });
      const total = order.length;
      try {
        // Create the stream before publishing (the sync would, too).
        const nc = await connect({ servers });
        await (await jetstreamManager(nc)).streams.add({ name: tag.toUpperCase(), subjects: [`${tag}.>`] });
        await nc.close();

        let sync = spawnSync(file);
        const killAt = new Set(Array.from({ length: KILLS }, (_, k) => Math.floor(((k + 1) * total) / (KILLS + 2))));
        const restartAt = Math.floor(total / 2);
        let restarted = false;
        let kills = 0;
        await publishAll(servers, `${tag}.users`, total, payload, async (n) => {
          for (const at of killAt) {
            if (n >= at) {
              killAt.delete(at);
              // Let the process get going (startup, ingesting, applying) and kill it at a random moment.
              await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1500));
              await kill9(sync);
              kills += 1;
              sync = spawnSync(file);
            }
          }
          if (!restarted && broker && n >= restartAt) {
            restarted = true;
            await broker.restart();
          }
        });
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
        await kill9(sync);
        expect(kills).toBe(KILLS);
        const final = spawnSync(file, ['--until-drained']);
        const code = await exitCode(final, Math.max(180_000, EVENTS));
        expect(code, final.output()).toBe(0);

        const inbox = new SqliteInbox(`${dir}/ledger.sqlite`);
        const s = await inbox.stats();
        await inbox.close();
        expect(s).toMatchObject({ backlog: 0, lagMs: 0, dead: 0 });
        // No event lost: every distinct event reached the inbox; duplicates were dropped there.
        expect(s.received).toBe(wl.events.length);
        expect(s.applied + s.skipped).toBe(wl.events.length);
        expect(diffFinal(wl.final, emulatorState(emu)).slice(0, 5)).toEqual([]);
        // Late deliveries did happen, and the version guard dropped them.
        expect(s.skipped).toBeGreaterThan(0);
      } finally {
        await broker?.stop();
      }
    },
    Math.max(600_000, EVENTS * 3),
  );
});

describe.skipIf(!natsUp)('NATS JetStream input: ids of events that carry none (real broker)', () => {
  it('takes the Nats-Msg-Id header, else the stream sequence, and decodes the body it was given', async () => {
    const tag = `ids${Date.now().toString(36)}`;
    const stream = tag.toUpperCase();
    const got: IncomingEvent[] = [];
    const input = new NatsInput({
      name: 'nats',
      servers: '127.0.0.1:4222',
      stream,
      subjects: [`${tag}.>`],
      durable: 'ids',
      ackWaitMs: 5000,
      maxAckPending: 100,
      batch: 10,
      decoder: createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents' }), {}),
    });
    await input.start(
      new Pump(
        input,
        {
          ingest: (events) => {
            got.push(...events);
            return Promise.resolve({ accepted: events.length, duplicates: 0, dead: 0 });
          },
        },
        () => undefined,
      ),
    );
    try {
      const nc = await connect({ servers: '127.0.0.1:4222' });
      const js = jetstream(nc);
      const event = (n: number) => JSON.stringify({ specversion: '1.0', source: 'urn:t', type: 'user.deleted', subject: `u${n}`, sequence: n });
      await js.publish(`${tag}.users`, event(1));
      await js.publish(`${tag}.users`, event(2), { msgID: 'm-2' });
      await js.publish(`${tag}.users`, 'not json');
      await nc.close();
      for (let t = 0; got.length < 3 && t < 100; t++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await input.stop();
      const nc = await connect({ servers: '127.0.0.1:4222' });
      await (await jetstreamManager(nc)).streams.delete(stream);
      await nc.close();
    }
    // The stream sequence breaks ties of the events' own versions.
    expect(got).toEqual([
      { ok: true, event: expect.objectContaining({ id: `${stream}:1`, subject: 'u1', version: withTieBreak(intKey(1)!, 1) }) },
      { ok: true, event: expect.objectContaining({ id: 'm-2', subject: 'u2', version: withTieBreak(intKey(2)!, 2) }) },
      { ok: false, bad: expect.objectContaining({ id: `${stream}:3`, reason: 'unparseable: body is not JSON', raw: 'not json' }) },
    ]);
  });
});

/**
 * Every input of the registry (src/stream/inputs/registry.ts) works through its descriptor alone:
 * its schema takes an example entry of `sync.inputs` (and the whole sync schema takes it the same
 * way), and `createInputs` opens it as an input of its kind. Inputs that need no service, and the
 * brokers where they run (in CI always), also carry one message through a pump, which shows that
 * `open` hands the transport the configured options and envelope. How each input keeps the ack
 * contract is the input contract suite's (input-contract.test.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { SyncConfig } from '../../src/config/sync.ts';
import type { AppendResult, IncomingEvent } from '../../src/ledger/inbox/inbox.ts';
import { SyncMetrics } from '../../src/observe/metrics.ts';
import { createInputs } from '../../src/stream/inputs/index.ts';
import { INPUTS } from '../../src/stream/inputs/registry.ts';
import { Pump } from '../../src/stream/pump.ts';
import { SERVICES, serviceAvailable, type ServiceSpec } from '../helpers/services.ts';
import { tempDir } from './harness.ts';
import { freePort } from './processes.ts';

/** One message whose event has this id, as each envelope below reads it. */
const cloudEvent = (id: string) => JSON.stringify({ specversion: '1.0', id, source: 'urn:registry', type: 'user.deleted', subject: `s-${id}`, sequence: '1' });
const plainJson = (id: string) => JSON.stringify({ id, type: 'user.deleted', version: 1, subject: `s-${id}` });
const tag = (p: string) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const TOKEN = 'registry-token-of-some-length';

interface Example {
  /** An entry of `sync.inputs` for this kind, as migration.yaml holds it. */
  config: Record<string, unknown>;
  /** Sends one message to the started input; absent where that needs more than a test should set up (a logical replication slot). */
  send?: (id: string) => Promise<void>;
  service?: ServiceSpec;
  close?: () => Promise<void>;
}

/** An example of every registered kind: a kind added to the registry without one fails the first test. */
const EXAMPLES: Record<string, () => Promise<Example>> = {
  async webhook() {
    const port = await freePort();
    return {
      config: { kind: 'webhook', port, path: '/hook', token: TOKEN, envelope: { kind: 'json', subject: 'subject' } },
      async send(id) {
        const res = await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', body: plainJson(id), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(300);
      },
    };
  },
  file() {
    const file = path.join(tempDir('input-registry'), 'events.ndjson');
    return Promise.resolve({
      config: { kind: 'file', path: file },
      send(id) {
        writeFileSync(file, `${cloudEvent(id)}\n`);
        return Promise.resolve();
      },
    });
  },
  async nats() {
    const t = tag('ir');
    const stream = t.toUpperCase();
    const example: Example = { config: { kind: 'nats', stream, subjects: [`${t}.>`], durable: 'registry' }, service: SERVICES.nats };
    if (!(await serviceAvailable(SERVICES.nats))) return example;
    const nc = await connect({ servers: '127.0.0.1:4222' });
    return {
      ...example,
      // The input creates the stream (with `subjects`) when it starts; the message is published after.
      send: async (id) => void (await jetstream(nc).publish(`${t}.u`, cloudEvent(id))),
      async close() {
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
        await nc.close();
      },
    };
  },
  async rabbitmq() {
    const url = 'amqp://guest:guest@127.0.0.1:5672';
    const queue = tag('ciam-registry-');
    const example: Example = { config: { kind: 'rabbitmq', url, queue }, service: SERVICES.rabbitmq };
    if (!(await serviceAvailable(SERVICES.rabbitmq))) return example;
    const conn = await amqp.connect(url);
    const ch = await conn.createConfirmChannel();
    return {
      ...example,
      async send(id) {
        ch.sendToQueue(queue, Buffer.from(cloudEvent(id)), { persistent: true });
        await ch.waitForConfirms();
      },
      async close() {
        await ch.deleteQueue(queue).catch(() => undefined);
        await conn.close();
      },
    };
  },
  'postgres-cdc'() {
    return Promise.resolve({ config: { kind: 'postgres-cdc', url: 'postgres://postgres@127.0.0.1:5432/test', outboxTable: 'outbox', outbox: { data: 'canonical' } } });
  },
};

/** Takes what the pump commits, as the inbox would, and says so at once. */
function memorySink() {
  const events: IncomingEvent[] = [];
  return {
    events,
    ingest(batch: IncomingEvent[]): Promise<AppendResult> {
      events.push(...batch);
      return Promise.resolve({ accepted: batch.length, duplicates: 0, dead: 0 });
    },
  };
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('input registry', () => {
  const closing: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closing) await close();
  });

  it('has an example here for every registered kind, and one descriptor per kind', () => {
    const kinds = INPUTS.map((d) => d.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect([...kinds].sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  for (const descriptor of INPUTS) {
    it(`${descriptor.kind}: its schema reads the example as the sync schema does, and open gives an input of its kind`, async () => {
      const example = await EXAMPLES[descriptor.kind]!();
      if (example.close) closing.push(example.close);
      const own = descriptor.schema.parse(example.config) as { kind: string };
      expect(own.kind).toBe(descriptor.kind);
      // What it gives back is taken as it is: defaults filled once, nothing lost.
      expect(descriptor.schema.parse(own)).toEqual(own);
      const { inputs: [config] } = SyncConfig.parse({ inputs: [example.config] });
      expect(config).toEqual(own);

      const errors: unknown[] = [];
      const [input, ...more] = await createInputs([config!], {}, new SyncMetrics(), (_name, err) => errors.push(err));
      expect(more).toEqual([]);
      expect(input!.kind).toBe(descriptor.kind);
      expect(input!.name).toBe(`${descriptor.kind}-1`);
      if (!example.send) return;

      const sink = memorySink();
      const pump = new Pump(input!, sink, (err) => errors.push(err));
      await input!.start(pump);
      try {
        expect(input!.ready()).toBe(true);
        const id = tag('e-');
        await example.send(id);
        await until(`event ${id}`, () => sink.events.length > 0);
        expect(sink.events).toEqual([{ ok: true, event: expect.objectContaining({ id, subject: `s-${id}`, type: 'user.deleted' }) }]);
      } finally {
        pump.stop();
        await input!.stop();
      }
      expect(errors).toEqual([]);
    });
  }
});

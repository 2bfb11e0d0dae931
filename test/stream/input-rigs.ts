/**
 * Each event input against its real upstream, for the input contract suite (input-contract.test.ts):
 * fresh upstream resources per rig (a NATS stream, a RabbitMQ queue, a PostgreSQL slot and outbox
 * table, a webhook port with a retrying sender, an NDJSON file, the in-memory test input), a way to
 * send messages whose events carry given ids, and fresh inputs on the same upstream (a restart).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import amqp from 'amqplib';
import pg from 'pg';
import { EnvelopeConfig } from '../../src/stream/envelope/config.ts';
import { createDecoder } from '../../src/stream/envelope/index.ts';
import type { AnyEventInput } from '../../src/stream/input.ts';
import { FileInput } from '../../src/stream/inputs/file/file.ts';
import { NatsInput } from '../../src/stream/inputs/nats/nats.ts';
import { RabbitInput } from '../../src/stream/inputs/rabbitmq/rabbitmq.ts';
import { WebhookInput } from '../../src/stream/inputs/webhook/webhook.ts';
import { SERVICES, type ServiceSpec } from '../helpers/services.ts';
import { tempDir } from './harness.ts';
import { MemoryInput } from './memory-input.ts';
import { freePort } from './processes.ts';

export interface InputRig {
  /** A new input on the same upstream (as after a restart of the sync). */
  input(): AnyEventInput;
  /** Sends one message per id; each decodes to one event with that id. Before or after the input starts. */
  send(ids: string[]): Promise<void>;
  /**
   * Whether a message that was acked can come again on a fresh input. Only the file input: it reads
   * its file from the start each time, and the inbox drops what it already holds.
   */
  readonly rereads: boolean;
  /** Resolves once the upstream let go of a stopped input (a replication slot is used by one connection at a time). */
  released?(): Promise<void>;
  close(): Promise<void>;
}

export interface RigKind {
  name: string;
  /** The service it needs (skipped outside CI without it), if any. */
  service?: ServiceSpec | undefined;
  /** Whether the rig can run here, or why not (checked once, before the suite). */
  usable?: () => Promise<true | string>;
  make(): Promise<InputRig>;
}

const decoder = () => createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents' }), {});
const body = (id: string) => JSON.stringify({ specversion: '1.0', id, source: 'urn:contract', type: 'user.deleted', subject: `s-${id}`, sequence: '1' });
const tag = (p: string) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Senders that retry until they get a 2xx (or a resolved send), as a Standard Webhooks sender does:
 * for the webhook and the memory input, "the message comes again" is the sender's retry.
 */
function retryingSender(attempt: (id: string) => Promise<boolean>) {
  let closed = false;
  const running = new Set<Promise<void>>();
  return {
    send(ids: string[]) {
      for (const id of ids) {
        const p = (async () => {
          while (!closed && !(await attempt(id).catch(() => false))) await sleep(100);
        })();
        running.add(p);
        void p.finally(() => running.delete(p));
      }
      return Promise.resolve();
    },
    async close() {
      closed = true;
      await Promise.all(running);
    },
  };
}

const PG_URL = process.env.CIAM_TEST_PG_CDC_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const RIGS: RigKind[] = [
  {
    name: 'NATS JetStream',
    service: SERVICES.nats,
    async make() {
      const t = tag('ic');
      const stream = t.toUpperCase();
      const nc: NatsConnection = await connect({ servers: '127.0.0.1:4222' });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: stream, subjects: [`${t}.>`] });
      const js = jetstream(nc);
      return {
        rereads: false,
        input: () =>
          new NatsInput({ name: 'nats', servers: '127.0.0.1:4222', stream, subjects: [], durable: 'contract', ackWaitMs: 1_000, maxAckPending: 1_000, batch: 10, decoder: decoder() }),
        async send(ids) {
          for (const id of ids) await js.publish(`${t}.u`, body(id));
        },
        async close() {
          await jsm.streams.delete(stream).catch(() => undefined);
          await nc.close();
        },
      };
    },
  },
  {
    name: 'RabbitMQ',
    service: SERVICES.rabbitmq,
    async make() {
      const url = 'amqp://guest:guest@127.0.0.1:5672';
      const queue = tag('ciam-contract-');
      const conn = await amqp.connect(url);
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue(queue, { durable: true });
      return {
        rereads: false,
        input: () => new RabbitInput({ name: 'rabbit', url, queue, declare: true, arguments: {}, prefetch: 10, decoder: decoder() }),
        async send(ids) {
          for (const id of ids) ch.sendToQueue(queue, Buffer.from(body(id)), { persistent: true });
          await ch.waitForConfirms();
        },
        async close() {
          await ch.deleteQueue(queue).catch(() => undefined);
          await conn.close();
        },
      };
    },
  },
  {
    name: 'PostgreSQL logical replication',
    service: { ...SERVICES.postgres, port: Number(new URL(PG_URL).port || 5432) },
    async usable() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        const level = (await c.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
        return level === 'logical' ? true : `PostgreSQL at ${PG_URL} has wal_level=${level ?? '?'}; logical replication needs wal_level=logical`;
      } finally {
        await c.end();
      }
    },
    async make() {
      const t = tag('ic');
      const db = new pg.Client({ connectionString: PG_URL });
      await db.connect();
      await db.query(`CREATE TABLE ${t}_outbox (id text PRIMARY KEY, aggregateid text NOT NULL, type text NOT NULL, payload jsonb)`);
      await db.query(`CREATE PUBLICATION ${t} FOR TABLE ${t}_outbox`);
      // The slot before the first write, or the writes are not in its stream.
      await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [t]);
      const { PostgresCdcInput } = await import('../../src/stream/inputs/postgres-cdc/postgres-cdc.ts');
      return {
        rereads: false,
        input: () =>
          new PostgresCdcInput({
            name: 'pg',
            url: PG_URL,
            slot: t,
            publication: t,
            createPublication: false,
            outboxTable: `${t}_outbox`,
            outbox: { id: 'id', subject: 'aggregateid', type: 'type', payload: 'payload', data: 'canonical', types: {} },
            emailColumn: 'email',
            dropSlotOnDrain: false,
            ctx: {},
          }),
        async send(ids) {
          // One transaction per message, as each is one delivery.
          for (const id of ids) await db.query(`INSERT INTO ${t}_outbox VALUES ($1, $2, 'user.deleted', NULL)`, [id, `s-${id}`]);
        },
        async released() {
          for (let i = 0; i < 100; i++) {
            const r = await db.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [t]);
            if (r.rowCount === 0) return;
            await sleep(100);
          }
        },
        async close() {
          for (let i = 0; i < 50; i++) {
            const r = await db.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`, [t]).catch(() => undefined);
            if (r?.rowCount) break;
            await sleep(100);
          }
          await db.query(`DROP PUBLICATION IF EXISTS ${t}`).catch(() => undefined);
          await db.query(`DROP TABLE IF EXISTS ${t}_outbox`).catch(() => undefined);
          await db.end();
        },
      };
    },
  },
  {
    name: 'webhook (loopback HTTP)',
    async make() {
      const port = await freePort();
      const token = 'contract-token-of-some-length';
      const sender = retryingSender(async (id) => {
        const res = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST', body: body(id), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        return res.ok;
      });
      return {
        rereads: false,
        input: () => new WebhookInput({ name: 'hook', host: '127.0.0.1', port, path: '/events', tokens: [token], toleranceSeconds: 300, maxBodyBytes: 64 * 1024, decoder: decoder() }),
        send: (ids) => sender.send(ids),
        close: () => sender.close(),
      };
    },
  },
  {
    name: 'file (NDJSON)',
    make() {
      const file = path.join(tempDir('input-contract'), 'events.ndjson');
      writeFileSync(file, '');
      return Promise.resolve({
        rereads: true,
        input: () => new FileInput('file', file, decoder(), 10),
        send(ids) {
          appendFileSync(file, ids.map((id) => `${body(id)}\n`).join(''));
          return Promise.resolve();
        },
        close: () => Promise.resolve(),
      });
    },
  },
  {
    name: 'in-memory test input',
    make() {
      let current: MemoryInput | undefined;
      // Sent to whichever input is current, again until its commit went through.
      const sender = retryingSender(async (id) => {
        if (!current?.started) return false;
        await current.send({ body: body(id) });
        return true;
      });
      return Promise.resolve({
        rereads: false,
        input: () => (current = new MemoryInput('memory', { kind: 'cloudevents' }, {})),
        send: (ids) => sender.send(ids),
        close: () => sender.close(),
      });
    },
  },
];

/**
 * Two changes of one user in the same millisecond, through each input: both are applied, in order.
 * The CloudEvents carry a `time` and no `sequence` (CloudEvents' own fallback), so their versions
 * tie: the second change (a new password, a partial change) was "at or below the applied version"
 * and dropped before. Through PostgreSQL, two updates in one transaction share the commit time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import amqp from 'amqplib';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import type { WebhookInput } from '../../src/stream/inputs/webhook/webhook.ts';
import { sign } from '../../src/stream/inputs/webhook/signature.ts';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import { emulatorState, runSyncInProcess, startEmulator, tempDir, writeConfig, type Running } from './harness.ts';

const SECRET = `whsec_${Buffer.from('ties-test-secret-0123456789abcdef').toString('base64')}`;
const natsUp = await serviceAvailable(SERVICES.nats);
const rabbitUp = await serviceAvailable(SERVICES.rabbitmq);
const pgUp = await serviceAvailable(SERVICES.postgres);
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

describe('two changes of one user in the same millisecond, through each input', () => {
  let emu: CidaasEmulatorHandle;
  let pwA: string;
  let pwB: string;
  const TIME = '2026-03-01T08:00:00.123Z';
  beforeAll(async () => {
    emu = await startEmulator();
    [pwA, pwB] = await Promise.all([hash('first-password', 4), hash('second-password', 4)]);
  });
  afterAll(async () => {
    await emu.close();
  });

  /** A full create, then (same millisecond) a partial change: new password and revision, nothing else. */
  const pair = (u: string) => [
    { specversion: '1.0', id: `${u}-1`, source: 'urn:legacy', type: 'user.created', subject: u, time: TIME, data: { id: u, email: `${u}@example.com`, email_verified: 'true', first_name: 'First', rev: 1, pw_hash: pwA } },
    { specversion: '1.0', id: `${u}-2`, source: 'urn:legacy', type: 'user.password_changed', subject: u, time: TIME, data: { id: u, rev: 2, pw_hash: pwB } },
  ];
  const expectBoth = async (run: Running, u: string) => {
    const s = await run.handle.untilDrained(20);
    expect(s.stats).toMatchObject({ backlog: 0, dead: 0, skipped: 0, duplicates: 0 });
    // The second change is there (rev 2, its password), and what it did not carry is as the first left it.
    expect(emulatorState(emu).get(u)).toMatchObject({ rev: 2, given: 'First', email: `${u}@example.com` });
    expect((await emu.login(`${u}@example.com`, 'second-password')).ok).toBe(true);
    expect((await emu.login(`${u}@example.com`, 'first-password')).ok).toBe(false);
  };
  const ce = `envelope: { kind: cloudevents, data: mapped }`;

  it('file replay', async () => {
    const dir = tempDir('ties-file');
    writeFileSync(path.join(dir, 'events.ndjson'), pair('tf').map((e) => JSON.stringify(e)).join('\n'));
    const run = await runSyncInProcess(writeConfig(dir, emu.url, `  inputs: [{ kind: file, path: events.ndjson, ${ce} }]\n`));
    try {
      await expectBoth(run, 'tf');
    } finally {
      await run.close();
    }
  });

  it('webhook', async () => {
    const run = await runSyncInProcess(writeConfig(tempDir('ties-hook'), emu.url, `  inputs: [{ kind: webhook, port: 0, secret: "${SECRET}", ${ce} }]\n`));
    try {
      const hook = run.handle.inputs[0] as WebhookInput;
      for (const [i, e] of pair('tw').entries()) {
        const body = JSON.stringify(e);
        const ts = Math.floor(Date.now() / 1000);
        const res = await fetch(hook.url, { method: 'POST', body, headers: { 'content-type': 'application/cloudevents+json', 'webhook-id': `m${i}`, 'webhook-timestamp': String(ts), 'webhook-signature': sign(SECRET, `m${i}`, ts, body) } });
        expect(res.status).toBe(202);
      }
      await expectBoth(run, 'tw');
    } finally {
      await run.close();
    }
  });

  it.skipIf(!natsUp)('NATS JetStream (the stream sequence breaks the tie)', async () => {
    const tag = `ties${Date.now().toString(36)}`;
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: tag.toUpperCase(), subjects: [`${tag}.>`] });
    const run = await runSyncInProcess(writeConfig(tempDir('ties-nats'), emu.url, `  inputs: [{ kind: nats, stream: ${tag.toUpperCase()}, durable: ties, ${ce} }]\n`));
    try {
      const js = jetstream(nc);
      for (const e of pair('tn')) await js.publish(`${tag}.u`, JSON.stringify(e));
      await expectBoth(run, 'tn');
    } finally {
      await run.close();
      await jsm.streams.delete(tag.toUpperCase()).catch(() => undefined);
      await nc.close();
    }
  });

  it.skipIf(!rabbitUp)('RabbitMQ', async () => {
    const queue = `ciam-ties-${Date.now().toString(36)}`;
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    const run = await runSyncInProcess(writeConfig(tempDir('ties-rabbit'), emu.url, `  inputs: [{ kind: rabbitmq, queue: ${queue}, ${ce} }]\n`));
    try {
      for (const e of pair('tr')) ch.sendToQueue(queue, Buffer.from(JSON.stringify(e)), { persistent: true });
      await ch.waitForConfirms();
      await expectBoth(run, 'tr');
    } finally {
      await run.close();
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close();
    }
  });

  it.skipIf(!pgUp)('PostgreSQL logical replication: two updates in one transaction', async () => {
    const tag = `ties${Date.now().toString(36)}`;
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`CREATE TABLE ${tag}_users (id text PRIMARY KEY, email text, email_verified text, first_name text, rev int, pw_hash text)`);
    const run = await runSyncInProcess(
      writeConfig(tempDir('ties-pg'), emu.url, `  inputs: [{ kind: postgres-cdc, url: "${PG_URL}", slot: ${tag}, publication: ${tag}, usersTable: ${tag}_users, passwordColumn: pw_hash }]\n`),
    );
    try {
      await db.query('BEGIN');
      await db.query(`INSERT INTO ${tag}_users VALUES ('tp', 'tp@example.com', 'true', 'First', 1, $1)`, [pwA]);
      await db.query(`UPDATE ${tag}_users SET rev = 2, pw_hash = $1 WHERE id = 'tp'`, [pwB]);
      await db.query('COMMIT');
      await expectBoth(run, 'tp');
    } finally {
      await run.close();
      await db.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`, [tag]).catch(() => undefined);
      await db.query(`DROP PUBLICATION IF EXISTS ${tag}`).catch(() => undefined);
      await db.query(`DROP TABLE IF EXISTS ${tag}_users`).catch(() => undefined);
      await db.end();
    }
  });
});

/**
 * `ciam-migrate sync` as a service manager runs it: a start that cannot work exits non-zero within
 * seconds, naming the input (or server) and where it points, so `Restart=always` restarts it; a
 * broker that goes away makes readiness false; SIGTERM while the input waits for the broker exits.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { startEmulator, tempDir, writeConfig } from './harness.ts';
import { exitCode, freePort, OwnNats, spawnSync, waitPort } from './processes.ts';

const SECRET = `whsec_${Buffer.from('a webhook secret of 32 bytes....').toString('base64')}`;
const natsUp = await serviceAvailable(SERVICES.nats);
const rabbitUp = await serviceAvailable(SERVICES.rabbitmq);
const pgUp = await serviceAvailable(SERVICES.postgres);

/** Exits within `seconds` (a start failure must not hang); returns the code and what it printed. */
async function fails(file: string, seconds = 30): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  const child = spawnSync(file);
  const code = await exitCode(child, seconds * 1000);
  return { code, out: child.output(), ms: Date.now() - t0 };
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })).status;

describe('sync start-up failures exit non-zero, naming the input', () => {
  let emu: CidaasEmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });
  const config = (sync: string) => writeConfig(tempDir('sync-start'), emu.url, sync);

  it('the health port or the webhook port in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      let r = await fails(config(`  inputs: [{ kind: webhook, port: 0, secret: "${SECRET}" }]\n  http: { port: ${port} }\n`));
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`health server 127.0.0.1:${port}: listen EADDRINUSE`);
      r = await fails(config(`  inputs: [{ kind: webhook, port: ${port}, secret: "${SECRET}" }]\n`));
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`input webhook-1 (webhook http://127.0.0.1:${port}/events): listen EADDRINUSE`);
    } finally {
      taken.close();
    }
  }, 90_000);

  it('a webhook secret that decodes to fewer than 16 bytes', async () => {
    const r = await fails(config(`  inputs: [{ kind: webhook, name: hook, port: 0, secret: "whsec_${Buffer.from('too short').toString('base64')}" }]\n`));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('input hook: webhook secret decodes to 9 bytes; at least 16 are needed');
  }, 60_000);

  it.skipIf(!natsUp)('a refused NATS server, and wrong NATS credentials', async () => {
    const port = await freePort();
    let r = await fails(config(`  inputs: [{ kind: nats, servers: "127.0.0.1:${port}", stream: S${Date.now()}, subjects: ["x.>"] }]\n`));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(new RegExp(`input nats-1 \\(nats 127\\.0\\.0\\.1:${port} \\(stream S\\d+\\)\\): .*(ECONNREFUSED|connection refused)`, 'i'));
    // A broker of our own that wants a user and password.
    const authPort = await freePort();
    const broker = spawn(OwnNats.binary, ['-a', '127.0.0.1', '-p', String(authPort), '--user', 'sync', '--pass', 'right-password'], { stdio: 'ignore' });
    try {
      await waitPort(authPort);
      r = await fails(config(`  inputs: [{ kind: nats, servers: "127.0.0.1:${authPort}", stream: S1, subjects: ["x.>"], user: sync, pass: wrong-password }]\n`));
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/input nats-1 .*: .*authorization/i);
      expect(r.out).not.toContain('wrong-password');
    } finally {
      broker.kill('SIGKILL');
    }
  }, 120_000);

  it.skipIf(!rabbitUp)('a refused RabbitMQ, and wrong RabbitMQ credentials (never printed)', async () => {
    const port = await freePort();
    let r = await fails(config(`  inputs: [{ kind: rabbitmq, url: "amqp://guest:guest@127.0.0.1:${port}", queue: q }]\n`));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`input rabbitmq-1 (rabbitmq amqp://127.0.0.1:${port} (queue q)): connect ECONNREFUSED`);
    r = await fails(config(`  inputs: [{ kind: rabbitmq, url: "amqp://guest:not-the-password@127.0.0.1:5672", queue: q${Date.now()} }]\n`));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/input rabbitmq-1 \(rabbitmq amqp:\/\/127\.0\.0\.1:5672 \(queue q\d+\)\): .*ACCESS.?REFUSED/i);
    expect(r.out).not.toContain('not-the-password');
  }, 90_000);

  it.skipIf(!pgUp)('PostgreSQL refused, and a role that does not exist', async () => {
    const port = await freePort();
    let r = await fails(config(`  inputs: [{ kind: postgres-cdc, url: "postgres://postgres@127.0.0.1:${port}/test", usersTable: users }]\n`));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`input postgres-cdc-1 (postgres-cdc postgres://127.0.0.1:${port}/test (slot ciam_migrate_sync)): connect ECONNREFUSED`);
    r = await fails(config(`  inputs: [{ kind: postgres-cdc, url: "postgres://nobody_${Date.now()}:pw@127.0.0.1:5432/test", usersTable: users }]\n`));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/input postgres-cdc-1 .*role .* does not exist/);
  }, 90_000);
});

const PG_BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((d) => existsSync(path.join(d, 'initdb')));

describe.skipIf(!PG_BIN)('sync start-up against a PostgreSQL whose wal_level is not logical', () => {
  it('exits non-zero at once, saying what to change', async () => {
    // A throwaway cluster of our own (the shared one is logical); initdb refuses to run as root.
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-replica-'));
    chmodSync(dir, 0o777);
    const data = path.join(dir, 'data');
    const asPostgres = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
    const [initCmd, initArgs] = asPostgres(path.join(PG_BIN!, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres']);
    execFileSync(initCmd, initArgs, { stdio: 'ignore' });
    const port = await freePort();
    const [pgCmd, pgArgs] = asPostgres(path.join(PG_BIN!, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'wal_level=replica', '-c', 'listen_addresses=127.0.0.1']);
    const server = spawn(pgCmd, pgArgs, { stdio: 'ignore' });
    const emu = await startEmulator();
    try {
      await waitPort(port, 30_000);
      await new Promise((r) => setTimeout(r, 500));
      const file = writeConfig(tempDir('sync-wal'), emu.url, `  inputs: [{ kind: postgres-cdc, url: "postgres://postgres@127.0.0.1:${port}/postgres", usersTable: users }]\n`);
      const r = await fails(file);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`input postgres-cdc-1 (postgres-cdc postgres://127.0.0.1:${port}/postgres (slot ciam_migrate_sync)): PostgreSQL wal_level is 'replica', logical replication needs 'logical'`);
    } finally {
      server.kill('SIGTERM');
      await emu.close();
    }
  }, 120_000);
});

describe('a broker that goes away: readiness false, SIGTERM during the reconnect loop exits', () => {
  let emu: CidaasEmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  /**
   * Starts the sync, waits until it is ready, takes its upstream away (`cut`), waits for readiness
   * to drop, then SIGTERM: the sync must exit 0 within 10 s although its input is reconnecting.
   */
  async function awayThenStop(file: string, http: number, cut: () => Promise<void>, reconnectingMs = 0): Promise<void> {
    const sync = spawnSync(file);
    try {
      await until(async () => (await ready(http)) === 200, 30_000);
      await cut();
      await until(async () => (await ready(http)) === 503, 10_000).catch((e: unknown) => {
        throw new Error(`readyz stayed 200 after the upstream went away: ${sync.output()}`, { cause: e });
      });
      // Let the reconnect loop try and fail a few times.
      if (reconnectingMs > 0) await new Promise((r) => setTimeout(r, reconnectingMs));
      const t0 = Date.now();
      sync.kill('SIGTERM');
      expect(await exitCode(sync, 15_000), sync.output()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      sync.kill('SIGKILL');
    }
  }

  it.skipIf(!natsUp || !existsSync(OwnNats.binary))('NATS', async () => {
    const broker = new OwnNats(await freePort());
    await broker.start();
    // JetStream answers a moment after the port opens: the stream is made before the sync starts.
    const nc = await connect({ servers: `127.0.0.1:${broker.port}`, timeout: 20_000 });
    await (await jetstreamManager(nc, { timeout: 20_000 })).streams.add({ name: 'AWAY', subjects: ['away.>'] });
    await nc.close();
    const http = await freePort();
    const file = writeConfig(tempDir('sync-nats-away'), emu.url, `  inputs: [{ kind: nats, servers: "127.0.0.1:${broker.port}", stream: AWAY, subjects: ["away.>"] }]\n  http: { port: ${http} }\n`);
    try {
      await awayThenStop(file, http, () => broker.stop());
    } finally {
      await broker.stop();
    }
  }, 90_000);

  it.skipIf(!rabbitUp)('RabbitMQ (its connection cut by a proxy)', async () => {
    const proxy = new TcpProxy(5672);
    await proxy.up();
    const http = await freePort();
    const queue = `ciam-away-${Date.now().toString(36)}`;
    const file = writeConfig(tempDir('sync-rabbit-away'), emu.url, `  inputs: [{ kind: rabbitmq, url: "amqp://guest:guest@127.0.0.1:${proxy.port}", queue: ${queue} }]\n  http: { port: ${http} }\n`);
    try {
      await awayThenStop(file, http, () => proxy.down(), 2_000);
    } finally {
      await proxy.down();
    }
  }, 90_000);
});

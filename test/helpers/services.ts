/**
 * Tests that need a real local service (PostgreSQL, MariaDB, NATS, RabbitMQ, …) call
 * `serviceAvailable` in a `describe.skipIf`. In CI (`CI=true`) a missing service is a failure, not a
 * skip, because `.ci/run` starts them all; on a laptop without the service the test is skipped with
 * a message naming it.
 */
import net from 'node:net';

export interface ServiceSpec {
  name: string;
  host?: string;
  port: number;
}

export const SERVICES = {
  postgres: { name: 'PostgreSQL', port: 5432 },
  mariadb: { name: 'MariaDB', port: 3306 },
  redis: { name: 'Redis', port: 6379 },
  rabbitmq: { name: 'RabbitMQ', port: 5672 },
  nats: { name: 'NATS JetStream', port: 4222 },
  mosquitto: { name: 'Mosquitto', port: 1883 },
} satisfies Record<string, ServiceSpec>;

function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves true when the service answers; in CI throws instead of returning false. */
export async function serviceAvailable(spec: ServiceSpec): Promise<boolean> {
  const host = spec.host ?? '127.0.0.1';
  const ok = await canConnect(host, spec.port);
  if (ok) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${spec.name} is not reachable on ${host}:${spec.port}; .ci/run should have started it`);
  }
  console.warn(`skipping: ${spec.name} is not running on ${host}:${spec.port}`);
  return false;
}

/**
 * A real OpenLDAP slapd on a free loopback port, with an empty mdb database in a folder of the
 * test's, for the LDAP source tests (Debian packages slapd and ldap-utils).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'ldapts';

export const SLAPD = '/usr/sbin/slapd';

/** True when slapd is installed; in CI its absence is an error, elsewhere a skip with a message. */
export function slapdAvailable(): boolean {
  if (existsSync(SLAPD)) return true;
  if (process.env.CI === 'true') throw new Error(`${SLAPD} is missing; CI must install the Debian packages slapd and ldap-utils`);
  console.warn(`skipping LDAP tests: ${SLAPD} is missing (apt-get install slapd ldap-utils)`);
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slapd did not listen on ${port}`);
}

export function ssha(password: string, salt: Buffer): string {
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

export interface Slapd {
  url: string;
  suffix: string;
  adminDN: string;
  adminPassword: string;
  client(): Promise<Client>;
  stop(): Promise<void>;
}

/** A real OpenLDAP slapd on a loopback port with an empty mdb database under `dir`. */
export async function startSlapd(dir: string, options: { sizeLimit?: number } = {}): Promise<Slapd> {
  const suffix = 'dc=example,dc=org';
  const adminDN = `cn=admin,${suffix}`;
  const adminPassword = 'admin-secret-for-tests';
  await mkdir(path.join(dir, 'db'), { recursive: true });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  await writeFile(
    path.join(dir, 'slapd.conf'),
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `pidfile ${path.join(dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      ...(options.sizeLimit !== undefined ? [`sizelimit ${options.sizeLimit}`] : []),
      'database mdb',
      `suffix "${suffix}"`,
      `rootdn "${adminDN}"`,
      `rootpw ${adminPassword}`,
      `directory ${path.join(dir, 'db')}`,
      'maxsize 104857600',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn(SLAPD, ['-f', path.join(dir, 'slapd.conf'), '-h', url, '-d', '0'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitForPort(port);
  const client = async (): Promise<Client> => {
    const c = new Client({ url });
    await c.bind(adminDN, adminPassword);
    return c;
  };
  return {
    url,
    suffix,
    adminDN,
    adminPassword,
    client,
    async stop() {
      if (proc.exitCode === null && proc.pid !== undefined) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}

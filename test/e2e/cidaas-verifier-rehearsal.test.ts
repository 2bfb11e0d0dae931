/**
 * The cidaas CUSTOM_* path rehearsed end to end with the real commands: `ciam-migrate verifier`,
 * `ciam-migrate emulator cidaas` pointed at it (authenticating the way cidaas is configured to),
 * `ciam-migrate run` importing users whose hashes cidaas cannot take (unsupportedHash: verifier),
 * then logins through the emulator, which asks the verifier as cidaas would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { REPO, runCli } from './helpers.ts';

const VERIFIER = { id: 'cidaas-custom-hash', secret: 'Verifier-Secret-42' };
const PHPASS = { hash: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', password: 'test12345' };
const SHA = { salt: 'NaCl-9f2', password: 'salted sha pw' };
const SHA_HASH = createHash('sha256').update(SHA.password).update(SHA.salt).digest('hex');

interface Daemon {
  child: ChildProcessWithoutNullStreams;
  url: string;
}

/** Starts a long-running command and waits for the line that names its URL. */
function daemon(args: string[], urlLine: RegExp): Promise<Daemon> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, env: { ...process.env, CIAM_MIGRATE_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (d: Buffer): void => {
      out += d.toString();
      const m = urlLine.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

async function login(url: string, identifier: string, password: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/_emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier, password }) });
  return (await res.json()) as Record<string, unknown>;
}

describe('cidaas CUSTOM_* rehearsal: emulator → verifier', () => {
  let verifier: Daemon;
  let emulator: Daemon;
  const dir = mkdtempSync(path.join(tmpdir(), 'custom-verifier-'));

  beforeAll(async () => {
    verifier = await daemon(['verifier', '--port', '0', '--client-id', VERIFIER.id, '--client-secret', VERIFIER.secret, '--workers', '1'], /verifier listening on (http:\/\/\S+?)\/verify/);
    emulator = await daemon(
      ['emulator', 'cidaas', '--port', '0', '--custom-verifier-url', `${verifier.url}/verify`, '--custom-verifier-client-id', VERIFIER.id, '--custom-verifier-client-secret', VERIFIER.secret],
      /emulator listening on (http:\/\/\S+)/,
    );
  }, 120_000);
  afterAll(() => {
    emulator?.child.kill('SIGTERM');
    verifier?.child.kill('SIGTERM');
  });

  it('phpass and salted-sha256 users imported for the verifier log in with their password; a wrong one is refused', async () => {
    const csv = path.join(dir, 'users.csv');
    writeFileSync(csv, `id,email,password_hash,salt\nwp1,wp1@example.com,${PHPASS.hash},\nsha1,sha1@example.com,${SHA_HASH},${SHA.salt}\n`);
    const config = path.join(dir, 'migration.yaml');
    writeFileSync(
      config,
      `version: 1
name: verifier-rehearsal
source: { kind: csv, path: ${JSON.stringify(csv)} }
mapping:
  fields: { sourceId: id, email: email }
  password: { from: password_hash, format: sha256, salt: salt, saltPosition: suffix }
target:
  kind: cidaas
  baseUrl: ${emulator.url}
  clientId: ciam-migrate
  clientSecret: \${E2E_CLIENT_SECRET}
  hashAlgorithms: { bcrypt: 'BCRYPT_{cost}' }
  unsupportedHash: verifier
ledger: { kind: sqlite, path: ./ledger.sqlite }
`,
    );
    const run = await runCli(['run', '-c', config, '--json'], { E2E_CLIENT_SECRET: 'ciam-migrate-secret' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ deadLetters: 0 });

    expect(await login(emulator.url, 'wp1@example.com', PHPASS.password)).toMatchObject({ ok: true, sub: 'wp1' });
    expect(await login(emulator.url, 'sha1@example.com', SHA.password)).toMatchObject({ ok: true, sub: 'sha1' });
    expect(await login(emulator.url, 'wp1@example.com', `${PHPASS.password}!`)).toMatchObject({ ok: false, reason: 'wrong password' });
    expect(await login(emulator.url, 'sha1@example.com', 'salted sha PW')).toMatchObject({ ok: false, reason: 'wrong password' });
  });

  it.each([
    ['client credentials as Basic on the compare call', { auth: 'basic' as const, clientId: VERIFIER.id, clientSecret: VERIFIER.secret }],
    ['a token, without ?action=compare (as cidaas\u2019s sample service is called)', { auth: 'client-credentials' as const, clientId: VERIFIER.id, clientSecret: VERIFIER.secret, action: 'none' as const }],
  ])('the verifier accepts %s', async (_what, how) => {
    const emu = await startCidaasEmulator({ customVerifier: { url: `${verifier.url}/verify`, ...how } });
    try {
      await importForVerifier(emu.url);
      expect(await emu.login('wp2@example.com', PHPASS.password)).toMatchObject({ ok: true });
      expect(await emu.login('wp2@example.com', 'nope')).toMatchObject({ ok: false, reason: 'wrong password' });
    } finally {
      await emu.close();
    }
  });

  it('a verifier that refuses the emulator\u2019s credentials is a verifier error, not a wrong password', async () => {
    const emu = await startCidaasEmulator({ customVerifier: { url: `${verifier.url}/verify`, clientId: VERIFIER.id, clientSecret: 'not-the-secret' } });
    try {
      await importForVerifier(emu.url);
      expect(await emu.login('wp2@example.com', PHPASS.password)).toMatchObject({ ok: false, reason: 'verifier error' });
    } finally {
      await emu.close();
    }
  });

  it('the emulator command refuses a verifier URL without a way to authenticate to it', async () => {
    const r = await runCli(['emulator', 'cidaas', '--port', '0', '--custom-verifier-url', `${verifier.url}/verify`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--custom-verifier-client-id and --custom-verifier-client-secret/);
  });
});

/** One phpass user with the CUSTOM_* algorithm, as `run` would send it. */
async function importForVerifier(url: string): Promise<void> {
  const tok = (await (
    await fetch(`${url}/token-srv/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' }),
    })
  ).json()) as { access_token: string };
  const res = await fetch(`${url}/users-srv/user/bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok.access_token}` },
    body: JSON.stringify([
      { sub: 'wp2', email: 'wp2@example.com', userStatus: 'VERIFIED', provider: 'self', password_hash_info: { algorithmTypeId: 'CUSTOM_CIAM_MIGRATE', passwordHash: PHPASS.hash, hData: {} } },
    ]),
  });
  expect(res.status).toBe(200);
}

/**
 * The whole tool against a target that echoes every request back in its errors (the request line,
 * every header with the bearer token, the body with each user's hash and TOTP secret; its token
 * endpoint quotes the form with client_secret). Every command a user runs is run as a process at
 * log level trace with debug traces on; then every output and every file is scanned for the client
 * secret, the tokens handed out, every hash and every TOTP secret of the input: none may appear.
 *
 * The databases hold each user's hash and TOTP secret by design (that is what gets delivered and
 * retried): their payload columns are the one place the hashes may be, so the raw bytes of those
 * files are scanned for the secret and the tokens, and every other column for everything.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoTarget, type EchoTarget } from '../helpers/echo-target.ts';
import { REPO } from './helpers.ts';

const SECRET = 'Echo-Secret-c7f1e2b9a4d85316';
const TOTP = ['JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U'];
const SHA_SALT = 'pepper-and-salt';
/** The input's hashes, one of each family a legacy export commonly has. */
const HASHES = [
  bcryptHash('bcrypt pw', 4),
  '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0',
  '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
  'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=',
  '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  '{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr',
  createHash('sha256').update('salted pw').update(SHA_SALT).digest('hex'),
];
const USERS = HASHES.map((h, i) => ({ id: `user-${i}`, email: `user${i}@example.org`, phone: `+4915112345${String(i).padStart(3, '0')}`, hash: h, totp: TOTP[i % TOTP.length]! }));

interface Output {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

function ciam(args: string[]): Promise<Output> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, CIAM_MIGRATE_LOG: 'trace', CIAM_MIGRATE_DEBUG: '1', ECHO_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A command that hangs is a finding of its own: stopped, and its output kept for the scan.
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const started = Date.now();
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      if (process.env.ECHO_TEST_DEBUG) process.stderr.write(`${args.join(' ')}: exit ${code} after ${Date.now() - started} ms\n`);
      resolve({ command: args.join(' '), code, stdout, stderr });
    }),
  );
}

function mapping(): string {
  return `mapping:
  fields: { sourceId: id, email: email, phone: phone }
  password: { from: password_hash, format: sha256, salt: salt, saltPosition: suffix }
  totp: { from: totp }
`;
}

function config(dir: string, name: string, target: string, extra = ''): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `version: 1
name: ${name}
source: { kind: csv, path: users.csv }
${mapping()}target:
${target}
ledger: { kind: sqlite, path: ./${name}.sqlite }
run: { maxAttempts: 2 }
${extra}`,
  );
  return file;
}

/** Every file under `dir` but the inputs, which hold the secrets by definition. */
function producedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const f = path.join(dir, name);
    if (statSync(f).isDirectory()) out.push(...producedFiles(f));
    else if (!['users.csv', 'events.ndjson'].includes(name) && !name.endsWith('.yaml')) out.push(f);
  }
  return out;
}

/** Text of every column of every table, except the payloads the tool must keep to deliver and retry. */
function nonPayloadText(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    const payload = new Set(['payloads.json', 'inbox_events.data', 'inbox_dead.raw']);
    let text = '';
    for (const t of tables) {
      const cols = (db.prepare(`PRAGMA table_info(${JSON.stringify(t)})`).all() as { name: string }[]).map((c) => c.name).filter((c) => !payload.has(`${t}.${c}`));
      if (cols.length === 0) continue;
      for (const row of db.prepare(`SELECT ${cols.map((c) => JSON.stringify(c)).join(', ')} FROM ${JSON.stringify(t)}`).raw().all() as unknown[][]) text += `${row.join('\t')}\n`;
    }
    return text;
  } finally {
    db.close();
  }
}

describe('echo target: nothing sensitive leaves, whatever the target says back', () => {
  let echo: EchoTarget;
  const dir = mkdtempSync(path.join(tmpdir(), 'echo-target-'));
  const outputs: Output[] = [];

  beforeAll(async () => {
    echo = await startEchoTarget();
    writeFileSync(
      path.join(dir, 'users.csv'),
      // The hash is quoted: argon2's parameters hold commas.
      `id,email,phone,password_hash,salt,totp\n${USERS.map((u, i) => `${u.id},${u.email},${u.phone},"${u.hash}",${i === HASHES.length - 1 ? SHA_SALT : ''},${u.totp}`).join('\n')}\n`,
    );
    const ce = (u: (typeof USERS)[number], v: number) => ({
      specversion: '1.0',
      id: `${u.id}-${v}`,
      source: 'urn:legacy',
      type: v === 1 ? 'user.created' : 'user.password_changed',
      subject: u.id,
      sequence: String(v),
      time: new Date().toISOString(),
      data: { id: u.id, email: u.email, phone: u.phone, password_hash: u.hash, salt: u.hash === HASHES.at(-1) ? SHA_SALT : '', totp: u.totp },
    });
    writeFileSync(path.join(dir, 'events.ndjson'), USERS.flatMap((u) => [ce(u, 1), ce(u, 2)].map((e) => JSON.stringify(e))).join('\n'));
  });
  afterAll(() => echo.close());

  it('runs every command against it', async () => {
    const cidaasTarget = `  kind: cidaas
  baseUrl: ${echo.url}
  clientId: ciam-migrate
  clientSecret: \${ECHO_SECRET}
  hashAlgorithms: { bcrypt: 'BCRYPT_{cost}', argon2id: ARGON2ID, pbkdf2-sha256: PBKDF2 }
  unsupportedHash: verifier`;
    const cidaas = config(
      dir,
      'cidaas',
      cidaasTarget,
      `sync:
  inputs:
    - { kind: file, path: events.ndjson, envelope: { kind: cloudevents, data: mapped } }
  maxAttempts: 2
  http: { port: 0 }
`,
    );
    const cloudentity = config(
      dir,
      'cloudentity',
      `  kind: cloudentity
  baseUrl: ${echo.url}
  clientId: ciam-migrate
  clientSecret: \${ECHO_SECRET}
  tenantId: t1
  poolId: p1
  namespace: 0f0e0d0c-0b0a-4908-8706-050403020100
  unsupportedHash: reset
  totp: credential`,
    );
    const run = async (args: string[]): Promise<Output> => {
      const o = await ciam(args);
      outputs.push(o);
      return o;
    };

    // Bulk runs: every user refused with the echo (dead letters), then again with 5xx echoes (retried, then dead).
    const first = await run(['run', '-c', cidaas]);
    expect(first.code, first.stderr.slice(0, 2000)).toBe(3);
    expect((await run(['run', '-c', cloudentity, '--json'])).code).toBe(3);
    echo.status = 503;
    expect((await run(['retry', '-c', cidaas])).code).not.toBe(1);
    echo.status = 400;
    // What people read: status, reports, the sync's own status.
    for (const args of [
      ['status', '-c', cidaas],
      ['status', '-c', cidaas, '--json'],
      ['status', '-c', cloudentity, '--json'],
      ['report', '-c', cidaas, '--json', path.join(dir, 'report.json'), '--html', path.join(dir, 'report.html')],
      ['report', '-c', cloudentity, '--json', '-'],
      ['plan', '-c', cidaas],
    ]) {
      await run(args);
    }
    // The event sync against it, then its status.
    const sync = await run(['sync', '-c', cidaas, '--until-drained']);
    expect(sync.stderr).not.toMatch(/Error: /);
    await run(['sync', '-c', cidaas, '--status']);
    await run(['sync', '-c', cidaas, '--status', '--json']);
    // verify reads every user back: the echo answers its reads with the requests (and their token).
    for (const args of [
      ['verify', '-c', cidaas],
      ['verify', '-c', cloudentity, '--json'],
      ['verify', '-c', cidaas, '--sample', '2', '--json'],
    ]) {
      const v = await run(args);
      expect(v.code, `${args.join(' ')}: ${v.stderr.slice(0, 500)}`).not.toBe(0);
    }
    // Crash traces: a token endpoint that quotes the secret it refused, and one that is not there.
    echo.tokenMode = 'echo-401';
    expect((await run(['run', '-c', cidaas, '--full'])).code).toBe(1);
    expect((await run(['sync', '-c', cidaas, '--until-drained'])).code).toBe(1);
    echo.tokenMode = 'not-found';
    const notFound = await run(['run', '-c', cloudentity, '--full']);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toMatch(/answered HTTP 404 \(not found/);
    echo.tokenMode = 'ok';

    // The run did happen: dead letters with the target's (cleaned) words, in status and the report.
    const status = JSON.parse(outputs.find((o) => o.command.startsWith('status') && o.command.endsWith('--json') && o.command.includes('cidaas'))!.stdout) as { byState: { dead: number }; deadByReason: { reason: string }[] };
    expect(status.byState.dead, JSON.stringify(status)).toBe(USERS.length);
    expect(status.deadByReason[0]?.reason).toMatch(/echo of (POST|PUT) \//);
    expect(echo.tokens.length).toBeGreaterThan(3);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/echo of/);
  }, 600_000);

  it('finds none of the secret, the tokens, the hashes or the TOTP secrets in any output or file', () => {
    expect(outputs.length).toBeGreaterThan(10);
    const needles = [SECRET, ...echo.tokens, ...HASHES, ...TOTP];
    const found: string[] = [];
    const scan = (where: string, text: string, what: readonly string[] = needles): void => {
      for (const n of what) if (text.includes(n)) found.push(`${where}: ${n.slice(0, 12)}…`);
    };
    for (const o of outputs) {
      scan(`${o.command} (stdout)`, o.stdout);
      scan(`${o.command} (stderr)`, o.stderr);
    }
    const files = producedFiles(dir);
    expect(files.some((f) => f.endsWith('cidaas.sqlite'))).toBe(true);
    for (const f of files) {
      if (/\.sqlite(-wal|-shm)?$/.test(f)) {
        scan(f, readFileSync(f).toString('latin1'), [SECRET, ...echo.tokens]);
        if (f.endsWith('.sqlite') && existsSync(f)) scan(`${f} (columns)`, nonPayloadText(f));
      } else scan(f, readFileSync(f, 'utf8'));
    }
    expect(found).toEqual([]);
  });

  it('keeps e-mail addresses and phone numbers out of status and the reports (no --include-emails)', () => {
    for (const o of outputs.filter((x) => /^(status|report)/.test(x.command))) {
      for (const u of USERS) {
        expect(o.stdout, o.command).not.toContain(u.email);
        expect(o.stdout, o.command).not.toContain(u.phone);
      }
    }
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    for (const u of USERS) expect(html).not.toContain(u.email);
  });
});

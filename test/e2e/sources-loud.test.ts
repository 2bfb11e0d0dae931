/**
 * Issue 31, "done when": a file the tool cannot read completely stops `config check`, `plan` and
 * `run` — the real CLI, as a user runs it — with a specific message and exit 1, and nothing reaches
 * the target. Before issue 31 an empty file or a mistyped password column ran to exit 0.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { runCli } from './helpers.ts';
import { ENV, fixture, startCidaas, tempDir } from './sources-helpers.ts';

let work: { dir: string; remove(): Promise<void> };
let emu: CidaasEmulatorHandle;
beforeAll(async () => {
  work = await tempDir('loud');
  emu = await startCidaas();
});
afterAll(async () => {
  await emu.close();
  await work.remove();
});

const csvMapping = { fields: { sourceId: 'id', email: 'email', 'name.given': 'given' }, password: { from: 'password_hash' } };
const USERS = 'id,email,password_hash,given\n1,ada@example.org,,Ada\n2,zoe@example.org,,Zoë\n';

async function config(name: string, source: Record<string, unknown>, mapping: Record<string, unknown> = csvMapping): Promise<string> {
  const file = path.join(work.dir, `${name}.yaml`);
  await writeFile(
    file,
    stringify({
      version: 1,
      name,
      source,
      mapping,
      target: { kind: 'cidaas', baseUrl: emu.url, clientId: '${SRC_E2E_CLIENT_ID}', clientSecret: '${SRC_E2E_CLIENT_SECRET}' },
      ledger: { kind: 'sqlite', path: `./${name}.sqlite` },
    }),
  );
  return file;
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = path.join(work.dir, name);
  await writeFile(p, content);
  return p;
}

/** `config check`, `plan` and `run` each stop with exit 1 and the message; the target gets nothing. */
async function expectStops(configFile: string, message: RegExp): Promise<void> {
  const before = emu.stats().requests;
  for (const command of [['config', 'check'], ['plan'], ['run']]) {
    const r = await runCli([...command, '-c', configFile], ENV);
    expect(r.code, `${command.join(' ')} exit code (stderr: ${r.stderr})`).toBe(1);
    expect(r.stderr, `${command.join(' ')} says why`).toMatch(message);
  }
  expect(emu.stats().requests).toBe(before);
  expect(emu.users()).toEqual([]);
}

describe('a file that cannot be read completely stops config check, plan and run (exit 1)', () => {
  it('a Keycloak export of several realms without source.realm: lists the realms found', async () => {
    await expectStops(await config('realms', { kind: 'keycloak', path: fixture('keycloak/all-realms.json') }, { fields: {} }), /is the export of 2 realms \(master, acme\); set source\.realm/);
  });

  it('a UTF-16BE file without a byte order mark, read as UTF-8', async () => {
    const be = Buffer.from(USERS, 'utf16le').swap16();
    await expectStops(await config('utf16be', { kind: 'csv', path: await file('utf16be.csv', be) }), /looks like UTF-16BE without a byte order mark .*set source\.encoding: utf16be/);
  });

  it('a mapped column missing from the header: says which and what it probably meant', async () => {
    const mapping = { fields: { sourceId: 'id', email: 'email', 'name.given': 'given' }, password: { from: 'password_hsah' } };
    await expectStops(await config('typo', { kind: 'csv', path: await file('typo.csv', USERS) }, mapping), /mapping\.password\.from: column "password_hsah" is not in the file's header; did you mean "password_hash"\?/);
  });

  it('an empty file', async () => {
    await expectStops(await config('empty', { kind: 'csv', path: await file('empty.csv', '') }), /no user records read: .*empty\.csv is empty \(0 bytes\)/);
  });

  it('a CSV with a header and no rows', async () => {
    await expectStops(await config('header-only', { kind: 'csv', path: await file('header-only.csv', 'id,email,password_hash,given\n') }), /has a header row \(4 columns: id, email, password_hash, given\) and no data rows/);
  });

  it('a missing file', async () => {
    await expectStops(await config('missing', { kind: 'csv', path: path.join(work.dir, 'nope.csv') }), /nope\.csv does not exist/);
  });

  it('bytes that are not valid UTF-8', async () => {
    const bad = Buffer.concat([Buffer.from('id,email,password_hash,given\n1,ada@example.org,,Ada\n2,zoe@example.org,,Zo'), Buffer.from([0xeb]), Buffer.from('\n')]);
    await expectStops(await config('latin', { kind: 'csv', path: await file('latin.csv', bad) }), /bytes on line 3 are not valid UTF-8 .*set source\.encoding, e\.g\. latin1/);
  });

  it('a JSON document without the list the config points at: says what the document is', async () => {
    const doc = JSON.stringify({ data: { people: [{ id: 1, email: 'a@example.org' }] } });
    await expectStops(
      await config('json-pick', { kind: 'json', path: await file('doc.json', doc), pick: 'users' }, { fields: { sourceId: 'id', email: 'email' } }),
      /no records at "users": it is a JSON object with keys data \(object\); set source\.pick/,
    );
  });
});

describe('what a byte order mark says is decoded right', () => {
  it('a UTF-16BE file with its BOM migrates, names intact (exit 0)', async () => {
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(USERS, 'utf16le').swap16()]);
    const cfg = await config('utf16be-bom', { kind: 'csv', path: await file('utf16be-bom.csv', be) });
    expect((await runCli(['config', 'check', '-c', cfg], ENV)).code).toBe(0);
    const r = await runCli(['run', '-c', cfg], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(emu.users().map((u) => u.sub).sort()).toEqual(['1', '2']);
    expect(emu.users().find((u) => u.sub === '2')?.identities[0]).toMatchObject({ email: 'zoe@example.org', given_name: 'Zoë' });
  });
});

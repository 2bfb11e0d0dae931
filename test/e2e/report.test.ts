import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample, type SampleFiles } from '../../src/demo/sample.ts';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { runCli, writeCidaasConfig } from './helpers.ts';

const client = { clientId: 'e2e-client', clientSecret: 'e2e-secret-value', scopes: ['cidaas:bulk_user_create'], migrationMode: true };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };

describe('report (real CLI process)', () => {
  let dir: string;
  let sample: SampleFiles;
  let emulator: CidaasEmulatorHandle;
  let config: string;
  let firstRun: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-report-'));
    sample = await generateSample(path.join(dir, 'sample'), { users: 1500, seed: 5, bcryptCost: 4 });
    emulator = await startCidaasEmulator({ clients: [client], customFields: { customer_no: { type: 'string' } } });
    config = await writeCidaasConfig(dir, sample.csvPath, emulator.url);
    firstRun = (await runCli(['run', '-c', config], env)).stdout;
  });
  afterAll(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a self-contained HTML page and JSON with counts, failures by reason and the hash census, without secrets, hashes or e-mails', async () => {
    const html = path.join(dir, 'report.html');
    const out = await runCli(['report', '-c', config, '--html', html, '--json', '-'], env);
    expect(out.code).toBe(0);
    const json = out.stdout.slice(out.stdout.indexOf('{'));
    const report = JSON.parse(json) as {
      ledger: { synced: number; dead: number };
      failuresByReason: { reason: string; count: number }[];
      latestRun: { census: { byFormat: Record<string, { users: number }> }; rejectsByReason: { reason: string }[] };
      deadLetters: { sourceId: string; email?: string }[];
    };
    expect(report.ledger.dead).toBe(sample.expected.disposableEmail);
    expect(report.failuresByReason[0]).toEqual({ reason: 'invalid email passed', count: sample.expected.disposableEmail });
    expect(report.latestRun.census.byFormat.bcrypt?.users).toBe(sample.expected.withPassword);
    expect(report.latestRun.rejectsByReason.length).toBeGreaterThan(3);
    expect(report.deadLetters.every((d) => d.email === undefined)).toBe(true);

    const page = await readFile(html, 'utf8');
    for (const text of [out.stdout, page]) {
      expect(text).not.toMatch(/\$2[aby]\$/); // no bcrypt hash
      expect(text).not.toContain(client.clientSecret);
      expect(text).not.toMatch(/@mailinator\.com|@example\.(com|org|net)/);
    }
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|src="http/); // self-contained
    expect(page).toContain('invalid email passed');
    expect(page).toContain('<svg');
    expect(page).toContain('Users migrated with notes');
  });

  it('run, report and status count the users that migrated with notes, by note (plan predicts them)', async () => {
    // Rows with a bad phone or date migrate without that field; each says so in a note.
    const users = sample.expected.droppedField;
    expect(users).toBeGreaterThan(0);
    expect(firstRun).toContain(`${users} users migrate with notes`);
    expect(firstRun).toMatch(/\d+ × dropped phone: /);
    const report = JSON.parse((await runCli(['report', '-c', config, '--json', '-'], env)).stdout) as {
      latestRun: { notes: { users: number; byNote: Array<{ note: string; count: number }> } };
    };
    expect(report.latestRun.notes.users).toBe(users);
    expect(report.latestRun.notes.byNote.map((x) => x.note)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^dropped phone: /), expect.stringMatching(/^dropped createdAt: /)]),
    );
    expect(report.latestRun.notes.byNote.reduce((sum, x) => sum + x.count, 0)).toBeGreaterThanOrEqual(users);
    const status = await runCli(['status', '-c', config], env);
    expect(status.stdout).toMatch(new RegExp(`run #\\d+: ${users} users migrate with notes`));
    expect(status.stdout).toMatch(/dropped createdAt: /);
  });

  it('lists e-mail addresses only when asked for', async () => {
    const out = await runCli(['report', '-c', config, '--json', '-', '--include-emails'], env);
    const report = JSON.parse(out.stdout) as { deadLetters: { email?: string }[] };
    expect(report.deadLetters.length).toBe(sample.expected.disposableEmail);
    expect(report.deadLetters.every((d) => d.email?.endsWith('@mailinator.com'))).toBe(true);
  });
});

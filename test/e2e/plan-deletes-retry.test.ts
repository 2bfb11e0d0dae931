import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample, type SampleFiles } from '../../src/demo/sample.ts';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { runCli, writeCidaasConfig } from './helpers.ts';

const client = { clientId: 'e2e-client', clientSecret: 'e2e-secret', scopes: ['cidaas:bulk_user_create', 'cidaas:users_delete'], migrationMode: true };
const env = { E2E_CLIENT_ID: client.clientId, E2E_CLIENT_SECRET: client.clientSecret };
const customFields = { customer_no: { type: 'string' as const } };

describe('plan, run --deletes and retry (real CLI process)', () => {
  let dir: string;
  let sample: SampleFiles;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-plan-'));
    sample = await generateSample(path.join(dir, 'sample'), { users: 1000, seed: 11, bcryptCost: 4 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plan reports creates, rejects, duplicates and the hash census, and sends and writes nothing (--offline: not even a read)', async () => {
    const emulator = await startCidaasEmulator({ clients: [client], customFields });
    try {
      const work = await mkdtemp(path.join(dir, 'plan-'));
      const config = await writeCidaasConfig(work, sample.csvPath, emulator.url);
      const out = await runCli(['plan', '-c', config, '--json', '--offline'], env);
      expect(out.code).toBe(0);
      const plan = JSON.parse(out.stdout) as {
        actions: { create: number; reject: number };
        source: { read: number; rejected: number };
        duplicates: { counts: Record<string, number> };
        hashCensus: { byFormat: Record<string, { users: number; outcomes: Record<string, number> }> };
        estimate: { calls: number };
        notes: { users: number; byNote: Array<{ note: string; count: number }> };
      };
      const valid = sample.expected.records - sample.expected.invalid;
      expect(plan.source.read).toBe(sample.expected.records);
      expect(plan.actions.create).toBe(valid);
      expect(plan.source.rejected).toBe(sample.expected.invalid);
      expect(plan.duplicates.counts['legacy id']).toBeGreaterThan(0);
      expect(plan.hashCensus.byFormat.bcrypt?.outcomes.import).toBe(sample.expected.withPassword);
      // Rows with a bad phone or date migrate without that field (issue 31) and without a password.
      expect(plan.hashCensus.byFormat.none?.outcomes.reset).toBe(sample.expected.withoutPassword + sample.expected.droppedField);
      expect(plan.estimate.calls).toBe(Math.ceil(valid / 50));
      expect(emulator.stats().requests).toBe(0);
      const status = JSON.parse((await runCli(['status', '-c', config, '--json'], env)).stdout) as { total: number };
      expect(status.total).toBe(0);
      // Without --offline it reads the target (token, field setup, listing) and still writes nothing.
      const human = await runCli(['plan', '-c', config], env);
      expect(human.stdout).toMatch(/to create/);
      expect(human.stdout).toMatch(/bcrypt/);
      // Each dropped field is listed per user (issue 31).
      expect(plan.notes.users).toBe(sample.expected.droppedField);
      expect(plan.notes.byNote.map((x) => x.note)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^dropped phone: /), expect.stringMatching(/^dropped createdAt: /)]),
      );
      expect(human.stdout).toMatch(/line \d+ \(u\d+\): dropped phone: /);
      expect(human.stdout).toMatch(/target checks: \d+ read-only calls/);
      expect(human.stdout).toMatch(/warning: cidaas: the client lacks scope cidaas:users_read: verify cannot read users back/);
      expect(human.code).toBe(0);
      expect(emulator.stats()).toMatchObject({ usersCreated: 0, usersUpdated: 0, usersDeleted: 0 });
    } finally {
      await emulator.close();
    }
  });

  it('run --deletes refuses a truncated export above the safety cap and deletes within it', async () => {
    const emulator = await startCidaasEmulator({ clients: [client], customFields });
    try {
      const work = await mkdtemp(path.join(dir, 'deletes-'));
      const csv = path.join(work, 'users.csv');
      const lines = (await readFile(sample.csvPath, 'utf8')).trimEnd().split('\n');
      await writeFile(csv, `${lines.join('\n')}\n`);
      const config = await writeCidaasConfig(work, csv, emulator.url);
      await runCli(['run', '-c', config], env);
      const inTarget = emulator.users().length;

      // The export is cut short: the last 300 users are missing.
      await writeFile(csv, `${lines.slice(0, lines.length - 300).join('\n')}\n`);
      const refused = await runCli(['run', '-c', config, '--deletes'], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/DELETES REFUSED: refusing to delete \d+ users/);
      expect(emulator.users()).toHaveLength(inTarget);

      const allowed = await runCli(['run', '-c', config, '--deletes', '--max-deletes', '1000', '--max-delete-percent', '50'], env);
      expect(allowed.stdout).toMatch(/users that left the source were queued for deletion/);
      const gone = inTarget - emulator.users().length;
      expect(gone).toBeGreaterThan(250);
      expect(emulator.stats().usersDeleted).toBe(gone);
      const again = await runCli(['run', '-c', config, '--deletes'], env);
      expect(again.stdout).not.toMatch(/DELETES REFUSED/);
      expect(emulator.users()).toHaveLength(inTarget - gone);
    } finally {
      await emulator.close();
    }
  });

  it('retry sends dead letters again once the cause is fixed', async () => {
    // A tenant without the custom field refuses every user…
    const strict = await startCidaasEmulator({ clients: [client] });
    const port = strict.port;
    const work = await mkdtemp(path.join(dir, 'retry-'));
    const config = await writeCidaasConfig(work, sample.csvPath, strict.url);
    const first = await runCli(['run', '-c', config], env);
    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(/custom field customer_no/);
    await strict.close();
    // …then the field is created, and retry delivers them without re-reading the source.
    const fixed = await startCidaasEmulator({ clients: [client], customFields, port });
    try {
      const retried = await runCli(['retry', '-c', config, '--reason', 'custom field'], env);
      expect(retried.stdout).toMatch(/dead-lettered users are back in the queue/);
      const disposable = sample.expected.disposableEmail;
      expect(fixed.users().length).toBe(sample.expected.records - sample.expected.invalid - disposable);
      const status = JSON.parse((await runCli(['status', '-c', config, '--json'], env)).stdout) as { byState: Record<string, number> };
      expect(status.byState.dead).toBe(disposable);
    } finally {
      await fixed.close();
    }
  });
});

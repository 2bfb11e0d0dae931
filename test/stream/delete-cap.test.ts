/**
 * The sync's delete cap: beyond `sync.maxDeletesPerMinute` deletes wait for an operator. The run
 * says so (status, exit 3 from --until-drained), `--release-deletes` lets them through.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { emulatorState, startEmulator, tempDir, writeConfig } from './harness.ts';
import { exitCode, spawnSync } from './processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cli = (file: string, ...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/sync-entry.ts', 'sync', '-c', file, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CIAM_MIGRATE_LOG: 'warn' } });

describe('delete cap', () => {
  let emu: CidaasEmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  it('deletes beyond the cap wait for an operator: status shows them, --until-drained exits 3, --release-deletes applies them', async () => {
    const dir = tempDir('sync-cap');
    const ev = (id: string, type: string, subject: string, seq: number, data?: Record<string, unknown>) =>
      JSON.stringify({ specversion: '1.0', id, source: 'urn:legacy', type, subject, sequence: String(seq).padStart(4, '0'), ...(data ? { data } : {}) });
    const users = ['d1', 'd2', 'd3', 'd4', 'd5'];
    const lines = [
      ...users.map((u) => ev(`${u}-c`, 'user.created', u, 1, { id: u, email: `${u}@example.com` })),
      ...users.map((u) => ev(`${u}-d`, 'user.deleted', u, 2)),
      // A later change of a held user waits behind its delete.
      ev('d5-r', 'user.created', 'd5', 3, { id: 'd5', email: 'd5.back@example.com' }),
    ];
    writeFileSync(path.join(dir, 'events.ndjson'), lines.join('\n'));
    const file = writeConfig(dir, emu.url, `  inputs: [{ kind: file, path: events.ndjson, envelope: { kind: cloudevents, data: mapped } }]\n  maxDeletesPerMinute: 2\n`);
    let run = spawnSync(file, ['--until-drained']);
    expect(await exitCode(run, 60_000), run.output()).toBe(3);
    expect(run.output()).toMatch(/0 dead letters and 3 held deletes \(release them with --release-deletes\) remain/);
    expect(emulatorState(emu).size).toBe(3);
    const status = cli(file, '--status');
    expect(status).toMatch(/HELD DELETES 3 users wait for an operator .*--release-deletes/);
    expect(cli(file, '--release-deletes')).toBe('3 held deletes released: a running sync applies them now\n');
    run = spawnSync(file, ['--until-drained']);
    expect(await exitCode(run, 60_000), run.output()).toBe(0);
    const state = emulatorState(emu);
    expect([...state.keys()]).toEqual(['d5']);
    expect(state.get('d5')).toMatchObject({ email: 'd5.back@example.com' });
  }, 180_000);
});

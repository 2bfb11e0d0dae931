import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { runCli, startCli } from './helpers.ts';
import { writeCsv, writeRehearsalConfig, type Row } from './verify-helpers.ts';

const USERS = 3000;

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('verify reads adaptively and resumes (cidaas emulator, real CLI processes)', () => {
  let dir: string;
  let emu: CidaasEmulatorHandle;
  let config: string;
  const verify = (...args: string[]) => ['verify', '-c', config, ...args];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-verify-resume-'));
    emu = await startCidaasEmulator({ customFields: { rev: { type: 'number' } } });
    const pw = await hash('secret', 4);
    const rows: Row[] = Array.from({ length: USERS }, (_, i) => ({ id: `r${i}`, email: `r${i}@example.com`, email_verified: 'true', first_name: `F${i}`, rev: i, pw_hash: pw }));
    await writeCsv(path.join(dir, 'users.csv'), rows);
    config = await writeRehearsalConfig(dir, `  kind: cidaas\n  baseUrl: ${emu.url}\n  clientId: ciam-migrate\n  clientSecret: ciam-migrate-secret\n  batchSize: 500`);
    expect((await runCli(['run', '-c', config])).code).toBe(0);
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('killed mid-way, it resumes without reading again what it had judged; a second verify meanwhile is refused', async () => {
    emu.faults.latencyMs = 15;
    try {
      const before = emu.stats().requests;
      const first = startCli(verify('--concurrency', '4'));
      await until('a third of the reads', () => emu.stats().requests - before >= USERS / 3);
      const second = await runCli(verify());
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another ciam-migrate verify \(.+\) is running on this ledger/);
      first.kill('SIGKILL');
      await first.done;
      const killedAt = emu.stats().requests - before;
      expect(killedAt).toBeLessThan(USERS);

      const resumedFrom = emu.stats().requests;
      const resumed = await runCli(verify('--concurrency', '8'));
      expect(resumed.stdout).toMatch(/completed in [\d.]+ s, resumed 1×/);
      expect(resumed.stdout).toContain(`${USERS.toLocaleString('en-US')} match`);
      expect(resumed.code).toBe(0);
      // What was judged before the kill is not read again: at most the last second's unflushed reads.
      const reread = emu.stats().requests - resumedFrom;
      expect(reread).toBeLessThan(USERS - killedAt + 600);
    } finally {
      emu.faults.latencyMs = 0;
    }
  }, 180_000);

  it('SIGINT stops it cleanly (exit 130, how to resume); against a rate-limited target it slows down and still reads everyone', async () => {
    emu.faults.latencyMs = 15;
    const before = emu.stats().requests;
    const run = startCli(verify('--restart', '--concurrency', '4'));
    await until('some reads', () => emu.stats().requests - before >= 300);
    run.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code, stopped.stderr.slice(0, 3000)).toBe(130);
    expect(stopped.stdout).toContain(`Resume with: ciam-migrate verify -c ${config}`);
    emu.faults.latencyMs = 0;

    emu.faults.rateLimit = 200;
    emu.faults.burst = 10;
    try {
      const limited = await runCli(verify('--restart', '--json', '--concurrency', '32'));
      const r = JSON.parse(limited.stdout) as { exitCode: number; counts: { ok: number; unreadable: number }; reads: { throttled: number; retries: number; calls: number } };
      expect(r.counts).toMatchObject({ ok: USERS, unreadable: 0 });
      expect(r.reads.throttled).toBeGreaterThan(0);
      expect(r.reads.calls).toBeGreaterThan(USERS);
      expect(limited.code).toBe(0);
    } finally {
      emu.faults.rateLimit = 0;
      emu.faults.burst = 0;
    }
  }, 180_000);
});

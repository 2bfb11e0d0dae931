import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { call, cidaasToken } from '../emulators/http.ts';
import { runCli, startCli } from './helpers.ts';
import { event, writeCsv, writeRehearsalConfig, type Row } from './verify-helpers.ts';

const USERS = 200;

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * docs/go-live.md, rehearsed against the cidaas emulator with the real CLI: bulk load, the event
 * sync while the legacy system still changes, freeze, drain, final delta, `verify` as the gate;
 * then a user purged and a field changed behind the tool's back, found by `verify` and repaired
 * with `verify --requeue` and `run`.
 */
describe('go-live rehearsal (cidaas emulator, real CLI processes)', () => {
  let dir: string;
  let emu: CidaasEmulatorHandle;
  let pwOld: string;
  let pwNew: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-golive-'));
    emu = await startCidaasEmulator({ customFields: { rev: { type: 'number' } } });
    [pwOld, pwNew] = await Promise.all([hash('old-secret', 4), hash('new-secret', 4)]);
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('bulk load, sync, freeze, drain, final delta, verify 0; purge + change → verify 3 naming both; --requeue + run → verify 0', async () => {
    const rows: Row[] = Array.from({ length: USERS }, (_, i) => ({ id: `u${i}`, email: `u${i}@example.com`, email_verified: 'true', first_name: `G${i}`, rev: 1, pw_hash: pwOld }));
    const csv = path.join(dir, 'users.csv');
    const feed = path.join(dir, 'events.ndjson');
    await writeCsv(csv, rows);
    await writeFile(feed, '');
    const config = await writeRehearsalConfig(
      dir,
      `  kind: cidaas
  baseUrl: ${emu.url}
  clientId: ciam-migrate
  clientSecret: ciam-migrate-secret`,
      feed,
    );
    const cli = (...args: string[]) => runCli([...args, '-c', config]);

    // Days ahead: the full load, then verify.
    expect((await cli('run')).code).toBe(0);
    const first = await cli('verify');
    expect(first.stdout).toContain(`${USERS.toLocaleString('en-US')} match, 0 missing, 0 drifted, 0 unexpected`);
    expect(first.code).toBe(0);

    // The sync runs while the legacy system changes: events for most changes, one change without.
    const changed = rows.map((r) => ({ ...r }));
    const byId = (id: string) => changed.find((r) => r.id === id)!;
    Object.assign(byId('u1'), { email: 'u1.new@example.com', rev: 2 });
    Object.assign(byId('u2'), { pw_hash: pwNew, rev: 2 });
    Object.assign(byId('u3'), { first_name: 'Renamed', rev: 2 });
    const n1: Row = { id: 'n1', email: 'n1@example.com', email_verified: 'false', first_name: 'New', rev: 1, pw_hash: pwOld };
    await writeFile(
      feed,
      [
        event('e1', 'user.email_changed', byId('u1'), 2),
        event('e2', 'user.password_changed', byId('u2'), 2),
        event('e3', 'user.updated', byId('u3'), 2),
        event('e4', 'user.created', n1, 1),
        event('e5', 'user.deleted', { id: 'u5' }, 2),
      ].join('\n'),
    );
    Object.assign(byId('u9'), { first_name: 'Direct', rev: 2 }); // written straight into the legacy DB: no event
    await writeCsv(csv, [...changed.filter((r) => r.id !== 'u5'), n1]);
    const sync = startCli(['sync', '-c', config]);
    const stateOf = (id: string) => emu.users().find((u) => u.sub === id);
    await until('the events to be applied', () => stateOf('u1')?.identities[0]?.['email'] === 'u1.new@example.com' && stateOf('n1') !== undefined && stateOf('u5') === undefined && stateOf('u3')?.identities[0]?.['given_name'] === 'Renamed');
    sync.kill('SIGTERM');
    expect((await sync.done).code).toBe(0);

    // Before the freeze: the change without an event is in flight (the next run sends it), not drift.
    const during = await cli('verify');
    expect(during.code).toBe(0);
    expect(during.stdout).toMatch(/0 drifted.*1 in flight/);
    expect(during.stdout).toMatch(/u9: customFields\.rev 2 → target 1; given_name "Direct" → target "G9" — changed at the source since the last run/);

    // Freeze (no more writes), drain, final delta, verify: the gate.
    expect((await cli('sync', '--until-drained')).code).toBe(0);
    expect((await cli('run')).code).toBe(0);
    const gate = await cli('verify');
    expect(gate.stdout).toContain('Result: zero drift (exit 0)');
    expect(gate.stdout).toMatch(/0 in flight/);
    expect(gate.stdout).toMatch(new RegExp(`${USERS.toLocaleString('en-US')} match`));
    expect(gate.stdout).toMatch(/1 gone from the target too/); // u5, deleted by its event
    expect(gate.code).toBe(0);
    expect((await emu.login('u2@example.com', 'new-secret')).ok).toBe(true);

    // Behind the tool's back: one user purged, one changed.
    const token = await cidaasToken(emu.url);
    expect((await call(`${emu.url}/users-srv/user/purge/u7`, { method: 'DELETE', token })).status).toBe(202);
    const put = await call(`${emu.url}/user-srv/users/u8`, { method: 'PUT', token, json: { userData: { provider: 'self', given_name: 'Tampered', email: 'tampered@example.com' } } });
    expect(put.status).toBe(200);
    const found = await cli('verify');
    expect(found.code).toBe(3);
    expect(found.stdout).toMatch(/missing in the target \(1\):\n\s+u7\n/);
    expect(found.stdout).toMatch(/drifted \(target differs from the source\) \(1\):\n\s+u8: email "\[e-mail hidden; --include-emails shows it\]" → target "\[e-mail hidden; --include-emails shows it\]"; given_name "G8" → target "Tampered"/);
    expect(found.stdout).not.toMatch(/@example\.com|\$2[aby]\$/);
    expect((await cli('verify', '--json')).stdout).not.toMatch(/@example\.com|\$2[aby]\$/);
    const json = JSON.parse((await cli('verify', '--json', '--include-emails')).stdout) as { findings: { drift: Array<{ fields: Array<{ field: string; actual: unknown }> }> } };
    expect(json.findings.drift[0]?.fields.find((f) => f.field === 'email')?.actual).toBe('tampered@example.com');

    // Repair: requeue, run, verify.
    const requeue = await cli('verify', '--requeue');
    expect(requeue.code).toBe(3);
    expect(requeue.stdout).toMatch(/requeued: 2 users are back in the queue/);
    const repaired = JSON.parse((await cli('run', '--json')).stdout) as { delivered: { created: number; updated: number } };
    expect(repaired.delivered).toMatchObject({ created: 1, updated: 1 });
    const after = await cli('verify');
    expect(after.stdout).toContain('Result: zero drift (exit 0)');
    expect(after.code).toBe(0);
    expect((await emu.login('u7@example.com', 'old-secret')).ok).toBe(true);
    expect(emu.users().find((u) => u.sub === 'u8')?.identities[0]).toMatchObject({ given_name: 'G8', email: 'u8@example.com' });

    // The report carries the gate.
    const report = JSON.parse((await cli('report', '--json', '-')).stdout) as { latestVerify: { summary: { exitCode: number; counts: { ok: number } } } };
    expect(report.latestVerify.summary).toMatchObject({ exitCode: 0, counts: { ok: USERS } });
  }, 240_000);
});

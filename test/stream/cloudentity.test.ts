import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudentityEmulator, type CloudentityEmulatorHandle } from '../../src/emulators/cloudentity/index.ts';
import { runSyncInProcess, tempDir, writeConfig } from './harness.ts';

const ce = (id: string, type: string, subject: string, seq: number, data?: Record<string, unknown>) =>
  JSON.stringify({ specversion: '1.0', id, source: 'urn:legacy', type, subject, sequence: String(seq), time: new Date().toISOString(), ...(data ? { data } : {}) });
const row = (id: string, rev: number, pw: string, email: string) => ({ id, email, email_verified: 'true', first_name: `G${rev}`, pw_hash: pw });

describe('sync into the Cloudentity emulator', () => {
  let emu: CloudentityEmulatorHandle;
  beforeAll(async () => {
    emu = await startCloudentityEmulator({ hashSemantics: { saltEncoding: 'base64' } });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('a password change works at the next login (full-entry import); an email change swaps the identifier; deletes stick', async () => {
    const [pw1, pw2] = await Promise.all([hash('first-pass', 4), hash('second-pass', 4)]);
    const dir = tempDir('sync-ce');
    writeFileSync(
      path.join(dir, 'events.ndjson'),
      [
        ce('c1', 'user.created', 'c1', 1, row('c1', 1, pw1, 'c1.old@example.com')),
        ce('c2', 'user.password_changed', 'c1', 2, row('c1', 2, pw2, 'c1.old@example.com')),
        ce('d1', 'user.created', 'd1', 1, row('d1', 1, pw1, 'd1@example.com')),
      ].join('\n'),
    );
    const target = `  kind: cloudentity
  baseUrl: ${emu.url}
  clientId: ciam-migrate
  clientSecret: ciam-migrate-secret
  tenantId: default
  poolId: default-pool
  namespace: 6f1c0b1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f`;
    const file = writeConfig(dir, emu.url, `  inputs:\n    - { kind: file, path: events.ndjson, envelope: { kind: cloudevents, data: mapped } }\n`, '', target);
    let run = await runSyncInProcess(file);
    await run.handle.untilDrained(50);
    await run.close();
    expect((await emu.login('c1.old@example.com', 'second-pass')).ok).toBe(true);
    expect((await emu.login('c1.old@example.com', 'first-pass')).ok).toBe(false);
    expect((await emu.login('d1@example.com', 'first-pass')).ok).toBe(true);

    // A second day of events, replayed on the same inbox: email change, delete, a late update.
    writeFileSync(
      path.join(dir, 'events.ndjson'),
      [
        ce('c3', 'user.email_changed', 'c1', 3, row('c1', 3, pw2, 'c1.new@example.com')),
        ce('d2', 'user.deleted', 'd1', 5),
        ce('d3', 'user.updated', 'd1', 4, row('d1', 4, pw1, 'd1@example.com')),
      ].join('\n'),
    );
    run = await runSyncInProcess(file);
    await run.handle.untilDrained(50);
    const s = await run.handle.stats();
    await run.close();
    expect((await emu.login('c1.new@example.com', 'second-pass')).ok).toBe(true);
    expect((await emu.login('c1.old@example.com', 'second-pass')).ok).toBe(false);
    expect((await emu.login('d1@example.com', 'first-pass')).ok).toBe(false);
    expect(s).toMatchObject({ backlog: 0, dead: 0, tombstones: 1 });

    // A late update (older than the delete) arriving after the delete was applied: no resurrection.
    writeFileSync(path.join(dir, 'events.ndjson'), ce('d4', 'user.updated', 'd1', 3, row('d1', 3, pw1, 'd1@example.com')));
    run = await runSyncInProcess(file);
    await run.handle.untilDrained(50);
    const after = await run.handle.stats();
    await run.close();
    expect(after.skipped).toBe(s.skipped + 1);
    expect((await emu.login('d1@example.com', 'first-pass')).ok).toBe(false);

    // Re-created at 7 and its password changed at 8, the change delivered first: it brings the user
    // back with the newest state, and the create, arriving later, is older and changes nothing.
    writeFileSync(path.join(dir, 'events.ndjson'), ce('d5', 'user.password_changed', 'd1', 8, row('d1', 8, pw2, 'd1@example.com')));
    run = await runSyncInProcess(file);
    await run.handle.untilDrained(50);
    await run.close();
    writeFileSync(path.join(dir, 'events.ndjson'), ce('d6', 'user.created', 'd1', 7, row('d1', 7, pw1, 'd1@example.com')));
    run = await runSyncInProcess(file);
    await run.handle.untilDrained(50);
    const last = await run.handle.stats();
    await run.close();
    expect(last).toMatchObject({ backlog: 0, dead: 0, tombstones: 0, skipped: after.skipped + 1 });
    expect((await emu.login('d1@example.com', 'second-pass')).ok).toBe(true);
    expect((await emu.login('d1@example.com', 'first-pass')).ok).toBe(false);
  }, 60_000);
});

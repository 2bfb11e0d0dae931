import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudentityEmulator, type CloudentityEmulatorHandle } from '../../src/emulators/cloudentity/index.ts';
import { cloudentityUserId } from '../../src/targets/index.ts';
import { call, cloudentityToken } from '../emulators/http.ts';
import { runCli } from './helpers.ts';
import { writeCsv, writeRehearsalConfig, type Row } from './verify-helpers.ts';

const NS = '0c5a6e1b-3d2f-4a8b-9c7d-1e2f3a4b5c6d';

describe('verify against the Cloudentity emulator (real CLI processes)', () => {
  let dir: string;
  let emu: CloudentityEmulatorHandle;
  let config: string;
  const cli = (...args: string[]) => runCli([...args, '-c', config]);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-verify-ce-'));
    emu = await startCloudentityEmulator({});
    const pw = await hash('secret-1', 4);
    const rows: Row[] = Array.from({ length: 150 }, (_, i) => ({ id: `c${i}`, email: `c${i}@example.com`, email_verified: i % 3 === 0 ? 'true' : 'false', first_name: `N${i}`, rev: i, pw_hash: i % 10 === 0 ? '' : pw }));
    await writeCsv(path.join(dir, 'users.csv'), rows);
    config = await writeRehearsalConfig(
      dir,
      `  kind: cloudentity
  baseUrl: ${emu.url}
  clientId: ciam-migrate
  clientSecret: ciam-migrate-secret
  tenantId: default
  poolId: default-pool
  namespace: ${NS}`,
    );
    expect((await cli('run')).code).toBe(0);
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('zero drift after the load; then a deleted user, a changed one, a second copy and a foreign user are told apart', async () => {
    const clean = await cli('verify');
    expect(clean.stdout).toContain('150 match, 0 missing, 0 drifted, 0 unexpected');
    expect(clean.code).toBe(0);

    const token = await cloudentityToken(emu.url);
    const users = `${emu.url}/api/identity/default/system/pools/default-pool/users`;
    expect((await call(`${users}/${cloudentityUserId('c4', NS)}`, { method: 'DELETE', token })).status).toBe(204);
    const c5 = cloudentityUserId('c5', NS);
    expect((await call(`${users}/${c5}/password/state`, { method: 'PUT', token, json: { state: 'must_be_reset' } })).status).toBe(204);
    expect((await call(`${users}/${c5}`, { method: 'PUT', token, json: { status: 'inactive' } })).status).toBe(200);
    const copy = await call(users, { token, json: { status: 'active', metadata: { legacy_id: 'c6' }, identifiers: [{ identifier: 'c6.copy@example.com', type: 'email' }] } });
    expect(copy.status).toBe(201);
    expect((await call(users, { token, json: { status: 'active', identifiers: [{ identifier: 'admin@example.com', type: 'email' }] } })).status).toBe(201);

    const found = await cli('verify');
    expect(found.code).toBe(3);
    expect(found.stdout).toMatch(/148 match, 1 missing, 1 drifted, 1 unexpected/);
    expect(found.stdout).toMatch(/missing in the target \(1\):\n\s+c4\n/);
    expect(found.stdout).toMatch(/c5: password "hash:bcrypt" → target "must-reset"; status "active" → target "inactive"/);
    expect(found.stdout).toContain(`target user ${copy.body.id as string}: a second copy of legacy user c6 (the migration's copy is ${cloudentityUserId('c6', NS)})`);
    expect(found.stdout).toMatch(/151 users of the target listed; 1 not created by this migration/);

    const sample = await cli('verify', '--sample', '40', '--seed', '3', '--json');
    const s = JSON.parse(sample.stdout) as { mode: string; counts: { unsampled: number; refused: number }; sample: { read: number; found: number; text: string } };
    expect(s.mode).toBe('sample');
    expect(s.counts.unsampled + s.sample.read + s.counts.refused).toBe(150);
    expect(s.sample.read).toBeGreaterThan(15);
    expect(s.sample.read).toBeLessThan(75);
    expect(s.sample.text).toMatch(/with 95 % confidence, at most [\d.]+ % of the 150 users \(\d+\) do/);
    expect(sample.code).toBe(s.sample.found > 0 ? 3 : 0);
  });
});

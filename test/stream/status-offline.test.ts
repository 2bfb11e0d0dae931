/**
 * `sync --status` (and the other inbox-only commands) read the inbox and nothing else: an operator
 * asking how the sync is doing need not hold the target's or the brokers' credentials.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeConfig } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('sync --status without the secrets', () => {
  it('prints the status with the target and input credentials unset; a sync that needs them refuses to start', () => {
    const dir = tempDir('sync-status-offline');
    const file = writeConfig(
      dir,
      'unused',
      `  inputs: [{ kind: nats, stream: S, durable: d, token: "\${CIAM_TEST_UNSET_NATS_TOKEN}" }]\n`,
      '',
      `  kind: cidaas
  baseUrl: \${CIAM_TEST_UNSET_TARGET_URL}
  clientId: ciam-migrate
  clientSecret: \${CIAM_TEST_UNSET_CLIENT_SECRET}`,
    );
    const { CIAM_TEST_UNSET_NATS_TOKEN: _a, CIAM_TEST_UNSET_TARGET_URL: _b, CIAM_TEST_UNSET_CLIENT_SECRET: _c, ...env } = process.env;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/sync-entry.ts', 'sync', '-c', file, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...env, CIAM_MIGRATE_LOG: 'warn' } });
    const status = run('--status');
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^event sync\n {2}backlog +0 events/);
    expect(run('--status', '--json').status).toBe(0);
    // The sync itself still needs them, and says which.
    const sync = run('--until-drained');
    expect(sync.status).not.toBe(0);
    expect(sync.stderr).toContain('CIAM_TEST_UNSET_');
  }, 60_000);
});

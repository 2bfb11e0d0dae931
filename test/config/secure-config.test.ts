import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleConfig } from '../../src/config/example.ts';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { configSecrets } from '../../src/config/secrets.ts';
import { runCli } from '../e2e/helpers.ts';

const env = { CIDAAS_CLIENT_ID: 'id-1', CIDAAS_CLIENT_SECRET: 's3cret-value' };

function problems(text: string, e: NodeJS.ProcessEnv = env, offline = false): string[] {
  try {
    parseConfig(text, '/tmp/migration.yaml', e, { offline });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const withBaseUrl = (url: string, extra = ''): string =>
  exampleConfig('cidaas').replace('baseUrl: https://acme.cidaas.eu', `baseUrl: ${url}${extra ? `\n  ${extra}` : ''}`);

describe('plain http:// to another machine', () => {
  it('is refused, naming the setting that allows it', () => {
    const p = problems(withBaseUrl('http://cidaas.internal.example:8080'));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^target\.baseUrl: plain http:\/\/ .*allowInsecureHttp: true/);
  });

  it('is allowed when the config says so, and to loopback always; https everywhere', () => {
    expect(problems(withBaseUrl('http://cidaas.internal.example:8080', 'allowInsecureHttp: true'))).toEqual([]);
    for (const url of ['http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010', 'https://acme.cidaas.eu']) expect(problems(withBaseUrl(url)), url).toEqual([]);
  });
});

describe('status and report need none of the target credentials', () => {
  it('an offline load accepts unset target and source variables, never an unset ledger path', () => {
    const text = withBaseUrl('${CIDAAS_BASE_URL}');
    expect(problems(text, {}, false)).toContain('target.baseUrl: environment variable CIDAAS_BASE_URL is not set (referenced as ${CIDAAS_BASE_URL})');
    expect(problems(text, {}, true)).toEqual([]);
    const ledgerFromEnv = exampleConfig('cidaas').replace('path: ./.ciam-migrate/acme-users.sqlite', 'path: ${LEDGER_PATH}');
    expect(problems(ledgerFromEnv, {}, true)).toEqual(['ledger.path: environment variable LEDGER_PATH is not set (referenced as ${LEDGER_PATH})']);
  });

  it('the real commands run with the secret variables unset', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'offline-'));
    const file = path.join(dir, 'migration.yaml');
    writeFileSync(file, exampleConfig('cidaas'));
    const clean = { CIDAAS_CLIENT_ID: '', CIDAAS_CLIENT_SECRET: '' };
    const status = await runCli(['status', '-c', file, '--json'], clean);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'acme-users', total: 0 });
    const report = await runCli(['report', '-c', file, '--json', '-'], clean);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ name: 'acme-users', target: { kind: 'cidaas', host: 'acme.cidaas.eu' } });
    // A command that does talk to the target still needs them.
    const run = await runCli(['run', '-c', file], clean);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CIDAAS_CLIENT_(ID|SECRET) is not set/);
  });
});

describe('configSecrets', () => {
  it('finds every credential a config holds, and no column names', () => {
    const cfg = {
      target: { clientSecret: 'target-secret' },
      source: { kind: 'sql', url: 'postgres://migrator:db%20pass@db/users', key: 'id' },
      mapping: { password: { key: 'hmac-pepper', firebase: { signerKey: 'signer-key-b64' } } },
      sync: { inputs: [{ kind: 'webhook', secret: ['whsec_one', 'whsec_two'] }, { kind: 'nats', token: 'nats-token', pass: 'nats-pass' }] },
    };
    expect(configSecrets(cfg).sort()).toEqual(['db pass', 'hmac-pepper', 'nats-pass', 'nats-token', 'signer-key-b64', 'target-secret', 'whsec_one', 'whsec_two'].sort());
  });
});

import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { exampleConfig } from '../../src/config/example.ts';
import { ConfigError, parseConfig } from '../../src/config/load.ts';

const env = {
  CIDAAS_CLIENT_ID: 'id-1',
  CIDAAS_CLIENT_SECRET: 's3cret',
  CLOUDENTITY_POOL_ID: 'pool',
  CLOUDENTITY_CLIENT_ID: 'cid',
  CLOUDENTITY_CLIENT_SECRET: 'csecret',
};

function problems(text: string, e: NodeJS.ProcessEnv = env): string[] {
  try {
    parseConfig(text, '/tmp/migration.yaml', e);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('migration config', () => {
  it('the example written by init is valid for both targets, with secrets from the environment', () => {
    const cidaas = parseConfig(exampleConfig('cidaas'), '/tmp/x/migration.yaml', env);
    expect(cidaas.target.kind).toBe('cidaas');
    expect(cidaas.target.clientSecret).toBe('s3cret');
    expect(cidaas.source.kind === 'csv' && cidaas.source.path).toBe('/tmp/x/users.csv');
    const ce = parseConfig(exampleConfig('cloudentity'), '/tmp/x/migration.yaml', env);
    expect(ce.target.kind).toBe('cloudentity');
  });

  it('names a missing environment variable and the key that references it', () => {
    const { CIDAAS_CLIENT_SECRET: _, ...rest } = env;
    expect(problems(exampleConfig('cidaas'), rest)).toEqual([
      'target.clientSecret: environment variable CIDAAS_CLIENT_SECRET is not set (referenced as ${CIDAAS_CLIENT_SECRET})',
    ]);
  });

  it('names the bad key and what is expected', () => {
    const doc = parseYaml(exampleConfig('cidaas')) as Record<string, Record<string, unknown>>;
    doc.target!.batchSize = 5000;
    doc.target!.kind = 'cidaas';
    doc.source!.delimeter = ';';
    const text = JSON.stringify(doc);
    const p = problems(text);
    expect(p).toContain('source: unknown key "delimeter"');
    expect(p.some((x) => x.startsWith('target.batchSize:') && x.includes('1000'))).toBe(true);
  });

  it('says which target kinds exist', () => {
    const doc = parseYaml(exampleConfig('cidaas')) as Record<string, Record<string, unknown>>;
    doc.target!.kind = 'okta';
    expect(problems(JSON.stringify(doc)).join('\n')).toMatch(/target\.kind/);
  });

  it('reports YAML syntax errors as config errors', () => {
    expect(problems('version: 1\n  name: : :')[0]).toMatch(/^YAML syntax/);
  });

  it('keeps $${X} literal', () => {
    const text = exampleConfig('cidaas').replace('name: acme-users', 'name: acme-users\n# ok').replace('BCRYPT_{cost}', () => '"$${NOT_A_VAR}"');
    const cfg = parseConfig(text, '/tmp/m.yaml', env);
    expect(cfg.target.kind === 'cidaas' && cfg.target.hashAlgorithms.bcrypt).toBe('${NOT_A_VAR}');
  });
});

import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { exampleConfig } from '../../src/config/example.ts';
import { migrationConfigJsonSchema } from '../../src/config/json-schema.ts';

describe('config JSON Schema', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(migrationConfigJsonSchema() as object);

  it('accepts the example config for both targets', () => {
    for (const target of ['cidaas', 'cloudentity'] as const) {
      expect(validate(parseYaml(exampleConfig(target))), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('refuses what the loader refuses: an unknown key, an out-of-range batch size', () => {
    const doc = parseYaml(exampleConfig('cidaas')) as { source: Record<string, unknown>; target: Record<string, unknown> };
    doc.source.delimeter = ';';
    expect(validate(doc)).toBe(false);
    const doc2 = parseYaml(exampleConfig('cidaas')) as { target: Record<string, unknown> };
    doc2.target.batchSize = 5000;
    expect(validate(doc2)).toBe(false);
  });
});

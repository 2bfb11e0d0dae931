import { describe, expect, it } from 'vitest';
import { exampleConfig } from '../../src/config/example.ts';
import { parseConfig } from '../../src/config/load.ts';
import { TargetConfig } from '../../src/config/target.ts';
import { identify } from '../../src/hashes/index.ts';
import { createTarget } from '../../src/targets/index.ts';
import { targetKindNames, targetKinds } from '../../src/targets/registry.ts';

/** A bcrypt vector every target takes natively. */
const BCRYPT = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';

/** Every `${NAME}` the template reads from the environment, given a value. */
function envFor(template: string): NodeJS.ProcessEnv {
  return Object.fromEntries([...template.matchAll(/\$\{(\w+)\}/g)].map(([, name]) => [name, `value-of-${name ?? ''}`]));
}

describe('target registry: every registered kind is whole', () => {
  it('names each kind once', () => {
    expect(new Set(targetKindNames).size).toBe(targetKinds.length);
    expect(targetKinds.length).toBeGreaterThan(0);
  });

  it('an unregistered kind is not a target', () => {
    expect(TargetConfig.safeParse({ kind: 'no-such-target' }).success).toBe(false);
  });

  for (const kind of targetKinds) {
    describe(kind.kind, () => {
      it('its init template parses, through the union and through its own schema', () => {
        const text = exampleConfig(kind.kind);
        const config = parseConfig(text, '/tmp/x/migration.yaml', envFor(text));
        expect(config.target.kind).toBe(kind.kind);
        expect(kind.schema.safeParse(config.target).success).toBe(true);
      });

      it('create gives a Target of this kind, without contacting anyone', async () => {
        const text = exampleConfig(kind.kind);
        const config = parseConfig(text, '/tmp/x/migration.yaml', envFor(text));
        const target = createTarget(config.target);
        expect(target.name).toBe(kind.kind);
        await target.close();
      });

      it('hash convert encodes a bcrypt hash into its payload field', () => {
        const parsed = identify(BCRYPT);
        if (!parsed.ok) throw new Error(parsed.reason);
        const encoded = kind.convert.encode(parsed.hash, {});
        expect(encoded.ok).toBe(true);
        expect(encoded.ok && encoded.value).toBeTruthy();
        expect(kind.convert.field).toMatch(/^\w+$/);
      });
    });
  }
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldSpec, Transform } from '../../src/config/mapping.ts';
import { compileField } from '../../src/mapping/compile.ts';
import { MAPPABLE_FIELDS, normaliseSpec, resolveField } from '../../src/mapping/fields.ts';

type Outcome = { value: unknown } | { error: string };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

/** Cells as sources deliver them: blanks, text of every kind a transform looks for, numbers, lists, objects. */
const cell = fc.oneof(
  fc.constantFrom(undefined, null, '', ' ', 'true', 'No', '1', '0', 'x', 'a, b;c', 'Ada King Lovelace', 'Lovelace, Ada'),
  fc.constantFrom('2015-03-01T10:00:00Z', '2015-03-01', '01.03.2015', '31.02.2015', '2015-03-01 10:00:00+02:00', '1700000000'),
  fc.constantFrom('+4917612345678', '0176 12345678', '+1 202 555 0123', 'user@example.org', ' User@Example.ORG '),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(new Date(0)),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.constant({ given: 'Ada' }),
);
const column = fc.constantFrom('a', 'b', 'c.d', 'e');
const data = fc.record({ a: cell, b: cell, 'c.d': cell, c: fc.oneof(fc.record({ d: cell }), cell), e: cell }, { requiredKeys: [] });

const spec = fc.oneof(
  column,
  fc.record(
    {
      from: fc.oneof(column, fc.array(column, { minLength: 1, maxLength: 3 })),
      value: cell,
      default: cell,
      transform: fc.oneof(fc.constantFrom(...Transform.options), fc.array(fc.constantFrom(...Transform.options), { maxLength: 3 })),
      separator: fc.constantFrom(',', ';'),
      defaultRegion: fc.constantFrom('DE', 'US', 'de'),
      format: fc.constantFrom('DD.MM.YYYY', 'YYYY-MM-DD', 'M/D/YY'),
      values: fc.dictionary(fc.constantFrom('true', '1', 'x', 'blocked', 'Ada'), cell, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  ),
);

describe('compileField', () => {
  it('resolves every spec as resolveField does, value or error, for fields and attributes', () => {
    const targets = [undefined, ...MAPPABLE_FIELDS];
    fc.assert(
      fc.property(spec, fc.constantFrom(...targets), data, (raw, target, record) => {
        const parsed = FieldSpec.safeParse(raw);
        if (!parsed.success) return;
        const s = normaliseSpec(parsed.data);
        const compiled = compileField(s, target);
        expect(outcome(() => compiled(record))).toStrictEqual(outcome(() => resolveField(s, record, target)));
      }),
      { numRuns: 20000 },
    );
  });
});

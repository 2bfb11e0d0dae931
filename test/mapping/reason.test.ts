import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Mapping } from '../../src/config/mapping.ts';
import { createMapper } from '../../src/mapping/index.ts';
import { issuesToReason } from '../../src/mapping/reason.ts';
import { User } from '../../src/model/index.ts';

function reasonOf(candidate: unknown): string {
  const parsed = User.safeParse(candidate);
  if (parsed.success) throw new Error('expected the candidate to be invalid');
  return issuesToReason(parsed.error.issues);
}

describe('issuesToReason', () => {
  it('says a missing legacy id is missing, like the other reasons', () => {
    expect(reasonOf({ email: 'a@example.org' })).toBe('sourceId: missing (the legacy id is required)');
  });

  it('says "missing" for any other absent required value, without zod\'s "Invalid input" prefix', () => {
    const schema = z.object({ a: z.object({ b: z.string() }) });
    const r = schema.safeParse({ a: {} });
    if (r.success) throw new Error('should fail');
    expect(issuesToReason(r.error.issues)).toBe('a.b: missing');
  });

  it('keeps the expected type of a present value of the wrong type, never the value itself', () => {
    const reason = reasonOf({ sourceId: 42, email: 'secret@example.org' });
    expect(reason).toBe('sourceId: expected string, received number');
    expect(reason).not.toContain('42');
    expect(reasonOf({ sourceId: '1', email: 'a@example.org', groups: [3] })).toBe(
      'groups.0: expected string, received number',
    );
  });

  it("leaves the schema's own messages and unknown keys as they were", () => {
    expect(reasonOf({ sourceId: '1', email: 'nope' })).toBe('email: not a valid e-mail address');
    expect(reasonOf({ sourceId: '', email: 'a@example.org' })).toBe(
      'sourceId: sourceId (the legacy id) is required',
    );
    expect(reasonOf({ sourceId: '1', email: 'a@example.org', shoeSize: 44 })).toBe(
      'unknown field(s) shoeSize',
    );
  });

  it('lists at most three issues and counts the rest', () => {
    const schema = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string() });
    const r = schema.safeParse({});
    if (r.success) throw new Error('should fail');
    expect(issuesToReason(r.error.issues)).toBe('a: missing; b: missing; c: missing (and 2 more)');
  });
});

describe('the mapper on a record with an empty id column', () => {
  it('rejects it with the readable reason (as the demo shows on a CSV row with an empty id)', async () => {
    const mapper = await createMapper(Mapping.parse({ fields: { sourceId: 'id', email: 'email' } }));
    expect(mapper.map({ position: 'line 7', data: { id: '', email: 'a@example.org' } })).toEqual({
      ok: false,
      reason: 'sourceId: missing (the legacy id is required)',
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { UserView } from '../../src/targets/target.ts';
import { compareViews } from '../../src/verify/compare.ts';

const v = (fields: Record<string, [UserView[string]['value'], UserView[string]['category']]>): UserView =>
  Object.fromEntries(Object.entries(fields).map(([k, [value, category]]) => [k, { value, category }]));

describe('compareViews', () => {
  it('matches equal views, e-mails without case, lists as sets', () => {
    const e = v({ email: ['Max@Example.com', 'email'], roles: [['a', 'b'], 'groups'], status: ['VERIFIED', 'status'], password: ['must-reset', 'password'] });
    const a = v({ email: ['max@example.com', 'email'], roles: [['a', 'b'], 'groups'], status: ['VERIFIED', 'status'], password: ['must-reset', 'password'] });
    expect(compareViews(e, a)).toEqual({ drift: [], passwordUnconfirmed: false });
  });

  it('names each differing field with its category, both values, and fields only one side has', () => {
    const e = v({ given_name: ['Max', 'names'], 'customFields.no': ['A-1', 'attributes'], password: ['hash:BCRYPT_10', 'password'] });
    const a = v({ given_name: ['Moritz', 'names'], 'customFields.extra': ['x', 'attributes'], password: ['hidden', 'password'] });
    const c = compareViews(e, a);
    expect(c.drift).toEqual([
      { field: 'customFields.extra', category: 'attributes', expected: undefined, actual: 'x' },
      { field: 'customFields.no', category: 'attributes', expected: 'A-1', actual: undefined },
      { field: 'given_name', category: 'names', expected: 'Max', actual: 'Moritz' },
    ]);
    expect(c.passwordUnconfirmed).toBe(true);
  });

  it('a field absent in the source matches one absent or false in the target; true against absent is drift', () => {
    expect(compareViews(v({ mfa_enabled: [false, 'mfa'] }), v({})).drift).toEqual([]);
    expect(compareViews(v({}), v({ email_verified: [false, 'verified'] })).drift).toEqual([]);
    expect(compareViews(v({ email_verified: [true, 'verified'] }), v({})).drift).toHaveLength(1);
    expect(compareViews(v({}), v({ mfa_enabled: [true, 'mfa'] })).drift).toHaveLength(1);
  });

  it('passwords: a must-reset must be shown; a hash matches a hidden credential but not a reset or nothing', () => {
    const p = (e: string, a: string | undefined) => compareViews(v({ password: [e, 'password'] }), a === undefined ? v({}) : v({ password: [a, 'password'] }));
    expect(p('hash:bcrypt', 'hidden').drift).toEqual([]);
    expect(p('hash:BCRYPT_4', 'not-shown').passwordUnconfirmed).toBe(true);
    expect(p('hash:bcrypt', 'hash:bcrypt')).toEqual({ drift: [], passwordUnconfirmed: false });
    expect(p('hash:bcrypt', 'must-reset').drift).toHaveLength(1);
    expect(p('hash:bcrypt', 'absent').drift).toHaveLength(1);
    expect(p('must-reset', 'not-shown').drift).toHaveLength(1);
    expect(p('must-reset', undefined).drift).toHaveLength(1);
  });

  it('a list with another member or order of size is drift; values keep their type', () => {
    expect(compareViews(v({ groups: [['a', 'b'], 'groups'] }), v({ groups: [['a'], 'groups'] })).drift).toHaveLength(1);
    expect(compareViews(v({ 'customFields.n': [42, 'attributes'] }), v({ 'customFields.n': ['42', 'attributes'] })).drift).toHaveLength(1);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastValidate } from '../../src/mapping/fast-validate.ts';
import { User } from '../../src/model/index.ts';

/** Mostly a value the schema takes, now and then one it does not: most candidates pass, many fail in one field. */
const mix = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 14, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const text = fc.oneof(fc.constantFrom('', 'a', 'Ada', ' x ', '__proto__'), fc.string({ maxLength: 8 }));
const nonEmpty = fc.string({ minLength: 1, maxLength: 8 });
const anyScalar = fc.oneof(text, fc.boolean(), fc.integer(), fc.constant(null), fc.double(), fc.constant(undefined));
const goodEmail = fc.stringMatching(/^[a-z0-9+]{1,10}(\.[a-z0-9_]{1,5})?@[a-z0-9]{1,8}\.(org|de)$/);
const email = mix(goodEmail, fc.oneof(fc.emailAddress(), fc.constantFrom('a@b', 'not-an-email', '.a@b.de'), anyScalar));
const phone = mix(fc.stringMatching(/^\+[1-9][0-9]{6,14}$/), fc.oneof(fc.constantFrom('+1', '+012345678', '4917612345678'), anyScalar));
const goodInstant = fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
const instant = mix(
  fc.oneof(goodInstant, fc.constantFrom('2015-03-01T10:00:00Z', '2015-03-01T10:00:00+01:00')),
  fc.oneof(fc.constantFrom('2015-02-29T10:00:00Z', '2015-03-01', '2015-03-01T10:00Z', 'x'), anyScalar),
);
const day = mix(goodInstant.map((s) => s.slice(0, 10)), fc.oneof(fc.constantFrom('2023-02-29', '1990-1-1'), anyScalar));
const stringObject = (keys: string[]) =>
  mix(
    fc.dictionary(fc.constantFrom(...keys), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
    fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom(...keys), text), anyScalar, { maxKeys: 3 }), anyScalar),
  );
const paramValue = mix(fc.oneof(text, fc.integer(), fc.boolean()), fc.oneof(fc.double(), fc.constant(null), fc.constant([])));
const passwordHash = fc.record(
  {
    algorithm: mix(fc.constantFrom('bcrypt', 'md5', 'sha256'), fc.oneof(fc.constant('nope'), anyScalar)),
    format: mix(fc.constantFrom('bcrypt', 'django-bcrypt'), text),
    params: mix(fc.dictionary(text, paramValue, { maxKeys: 3 }), anyScalar),
    salt: mix(fc.oneof(text, fc.constant(undefined)), fc.integer()),
    hash: mix(text, fc.integer()),
    encoded: mix(nonEmpty, text),
    extra: anyScalar,
  },
  { requiredKeys: ['algorithm', 'format', 'hash', 'encoded'] },
);
const password = fc.oneof(
  passwordHash,
  fc.constant({ mustReset: true }),
  fc.record({ mustReset: fc.boolean(), algorithm: fc.constantFrom('md5', 'x'), x: anyScalar }, { requiredKeys: ['mustReset'] }),
);
const list = mix(fc.array(nonEmpty, { maxLength: 3 }), fc.oneof(fc.array(anyScalar, { maxLength: 2 }), text));
const attributeValue = mix(
  fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 2 })),
  fc.oneof(fc.double(), fc.array(anyScalar, { maxLength: 2 }), fc.constant({}), fc.constant(undefined)),
);
const attributes = mix(
  fc.dictionary(fc.oneof(text, fc.constantFrom('1', '10', 'b', 'a')), attributeValue, { maxKeys: 4 }),
  anyScalar,
);
const mfa = mix(
  fc.array(fc.oneof(fc.constant({ type: 'totp', secret: 'JBSWY3DPEHPK3PXP' }), fc.constant({ type: 'sms', value: '+4917612345678', digits: 6 })), { maxLength: 2 }),
  fc.oneof(fc.constant([{ type: 'totp', secret: 'bad!' }]), anyScalar),
);
const identities = mix(
  fc.array(fc.record({ provider: nonEmpty, providerUserId: nonEmpty }), { maxLength: 2 }),
  fc.oneof(fc.array(fc.record({ provider: text, providerUserId: text, x: anyScalar }, { requiredKeys: [] }), { maxLength: 2 }), anyScalar),
);

/** Some fields, each often right, sometimes wrong; now and then a stray key the schema does not know. */
const candidate = fc.record(
  {
    sourceId: mix(nonEmpty, fc.oneof(text, fc.integer())),
    status: mix(fc.constantFrom('active', 'disabled', 'pending', 'deleted'), text),
    email,
    emailVerified: mix(fc.boolean(), anyScalar),
    phone,
    phoneVerified: mix(fc.boolean(), anyScalar),
    username: mix(nonEmpty, anyScalar),
    name: stringObject(['given', 'family', 'middle', 'nickname', 'display']),
    locale: mix(fc.string(), anyScalar),
    zoneinfo: mix(fc.string(), anyScalar),
    birthdate: day,
    gender: mix(fc.string(), anyScalar),
    picture: mix(fc.string(), anyScalar),
    address: stringObject(['formatted', 'street', 'locality', 'region', 'postalCode', 'country']),
    password,
    mfa,
    identities,
    groups: list,
    roles: list,
    attributes,
    createdAt: instant,
    updatedAt: instant,
    lastLoginAt: instant,
    stray: anyScalar,
  },
  { requiredKeys: [] },
).map((c) => (Math.abs(JSON.stringify(c).length % 7) === 0 ? c : (({ stray: _stray, ...rest }) => rest)(c)));

/** A candidate the mapper would build for a good record: the fast path should take it. */
const good = fc.record(
  {
    sourceId: fc.string({ minLength: 1 }),
    email: goodEmail,
    emailVerified: fc.boolean(),
    phone: fc.stringMatching(/^\+[1-9][0-9]{6,14}$/),
    name: fc.record({ family: fc.string(), given: fc.string() }, { requiredKeys: [] }),
    locale: fc.string(),
    createdAt: goodInstant,
    attributes: fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.oneof(fc.string(), fc.integer())),
    password: fc.constant({ algorithm: 'bcrypt', format: 'bcrypt', params: { variant: '2b', cost: 10 }, salt: 'c2FsdA==', hash: 'aGFzaA==', encoded: '$2b$…' }),
  },
  { requiredKeys: ['sourceId', 'email'] },
);

describe('fastValidate', () => {
  it('answers only for users zod accepts, and with exactly what zod returns (key order included)', () => {
    const accepted = { fast: 0, zod: 0 };
    fc.assert(
      fc.property(candidate, (c) => {
        const fast = fastValidate(c);
        const parsed = User.safeParse(c);
        if (fast === undefined) {
          accepted.zod += parsed.success ? 1 : 0;
          return;
        }
        accepted.fast++;
        expect(parsed.success).toBe(true);
        expect(fast).toStrictEqual(parsed.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
      }),
      { numRuns: 20000 },
    );
    // Guards the property itself: it means little unless many candidates reach the fast answer.
    expect(accepted.fast).toBeGreaterThan(1000);
  });

  it('answers for the users a mapping builds from good records', () => {
    fc.assert(
      fc.property(good, (c) => {
        const fast = fastValidate(c);
        expect(fast).toBeDefined();
        expect(JSON.stringify(fast)).toBe(JSON.stringify(User.parse(c)));
      }),
      { numRuns: 2000 },
    );
  });

  it('drops symbol keys of objects as zod does, and leaves records with symbol keys to zod', () => {
    const s = Symbol('s');
    const user = { sourceId: 'a', email: 'a@example.org', [s]: 1, name: { given: 'x', [s]: 2 }, password: { mustReset: true, [s]: 3 } };
    expect(User.safeParse(user).success).toBe(true);
    expect(fastValidate(user)).toStrictEqual(User.parse(user));
    expect(Object.getOwnPropertySymbols(fastValidate(user) ?? {})).toEqual([]);
    expect(fastValidate({ sourceId: 'a', email: 'a@example.org', attributes: { [s]: 1 } })).toBeUndefined();
  });

  it('leaves what it does not know to zod', () => {
    expect(fastValidate({ sourceId: 'a', email: 'a@example.org', extra: 1 })).toBeUndefined();
    expect(fastValidate({ sourceId: 'a', email: 'a@example.org', locale: undefined })).toBeUndefined();
    expect(fastValidate({ sourceId: 'a' })).toBeUndefined();
    expect(fastValidate(new (class {})())).toBeUndefined();
  });

  it('knows every field of the User schema (a new field needs a fast check, or this list and zod disagree)', () => {
    expect(Object.keys(User.shape)).toEqual([
      'sourceId', 'status', 'email', 'emailVerified', 'phone', 'phoneVerified', 'username', 'name', 'locale',
      'zoneinfo', 'birthdate', 'gender', 'picture', 'address', 'password', 'mfa', 'identities', 'groups', 'roles',
      'attributes', 'createdAt', 'updatedAt', 'lastLoginAt',
    ]);
  });
});

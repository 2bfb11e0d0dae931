import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Mapping } from '../../src/config/mapping.ts';
import { SourceConfig } from '../../src/config/source.ts';
import { verify } from '../../src/hashes/index.ts';
import { createMapper, type MapResult } from '../../src/mapping/index.ts';
import { isPasswordHash } from '../../src/model/index.ts';
import { createSource } from '../../src/sources/index.ts';

const FIXTURES = new URL('../fixtures/sources/csv/', import.meta.url).pathname;

const usersMapping = Mapping.parse({
  fields: {
    sourceId: 'id',
    email: { from: 'email', transform: ['trim', 'lowercase'] },
    'name.given': 'given_name',
    'name.family': 'family_name',
    phone: { from: 'phone', defaultRegion: 'DE' },
    groups: 'groups',
    createdAt: { from: 'created', transform: 'datetime', format: 'DD.MM.YYYY' },
  },
  attributes: { legacyGroups: { from: 'groups', transform: 'split-list' } },
  password: { from: 'password_hash' },
});

async function mapFile(mapping: Mapping, path: string): Promise<[string, MapResult][]> {
  const mapper = await createMapper(mapping);
  const source = createSource(SourceConfig.parse({ kind: 'csv', path }), { baseDir: FIXTURES });
  const out: [string, MapResult][] = [];
  for await (const r of source.read()) out.push([r.position, mapper.map(r)]);
  return out;
}

describe('createMapper on the CSV fixture', () => {
  it('maps valid rows and gives one clear reason for each invalid one', async () => {
    const results = await mapFile(usersMapping, 'users.csv');
    const summary = results.map(([pos, r]) => [pos, r.ok ? r.user.sourceId : r.reason]);
    expect(summary).toEqual([
      ['line 2', '1001'],
      ['line 3', '1002'],
      ['line 4', 'expected 8 columns, found 9'],
      ['line 5', 'unexpected text after the closing quote of field 2'],
      ['line 6', 'email: not a valid e-mail address'],
      ['line 7', '1006'],
    ]);
    const ada = results[0]?.[1];
    if (!ada?.ok) throw new Error('ada should map');
    expect(ada.user).toMatchObject({
      sourceId: '1001',
      email: 'ada@example.org',
      name: { given: 'Ada', family: 'Lovelace' },
      phone: '+442079460018',
      groups: ['admins', 'staff'],
      createdAt: '2015-12-10T00:00:00.000Z',
      attributes: { legacyGroups: ['admins', 'staff'] },
      status: 'active',
    });
    expect(isPasswordHash(ada.user.password)).toBe(true);
    if (isPasswordHash(ada.user.password))
      expect(await verify(ada.user.password, 'correct horse')).toBe(true);
    const grace = results[1]?.[1];
    expect(grace?.ok && grace.user).toMatchObject({ phone: '+49301234567', password: { mustReset: true } });
  });
});

describe('createMapper', () => {
  const base = { sourceId: 'id', email: 'email' };
  const map = async (mapping: object, data: Record<string, unknown>) =>
    (await createMapper(Mapping.parse(mapping))).map({ position: 'line 2', data });

  it('refuses a mapping without sourceId or with an unknown field', async () => {
    await expect(createMapper(Mapping.parse({ fields: { email: 'email' } }))).rejects.toThrow(
      'must map sourceId',
    );
    await expect(createMapper(Mapping.parse({ fields: { ...base, mail: 'x' } }))).rejects.toThrow(
      'mapping.fields.mail is not a User field',
    );
  });

  it('takes a preset and lets the config override it', async () => {
    const mapper = await createMapper(Mapping.parse({ fields: { email: 'mail' } }), {
      preset: { fields: { sourceId: 'id', email: 'email' } },
    });
    expect(mapper.map({ position: 'x', data: { id: 7, email: 'a@x.org', mail: 'b@x.org' } })).toMatchObject({
      ok: true,
      user: { sourceId: '7', email: 'b@x.org' },
    });
  });

  it('passes a source error through as the reason', async () => {
    const mapper = await createMapper(Mapping.parse({ fields: base }));
    expect(mapper.map({ position: 'line 9', data: {}, error: 'invalid JSON' })).toEqual({
      ok: false,
      reason: 'invalid JSON',
    });
  });

  it('with onInvalidField: reject, names the field for a missing id, a bad phone, a bad date and a missing identifier', async () => {
    // Issue 31 made `drop` the default (see the next test); `reject` keeps the issue 4 behaviour.
    expect(await map({ fields: base }, { id: '', email: 'a@x.org' })).toEqual({
      ok: false,
      reason: 'sourceId: missing (the legacy id is required)',
    });
    expect(
      await map({ fields: { ...base, phone: 'tel' }, onInvalidField: 'reject' }, { id: '1', email: 'a@x.org', tel: '12' }),
    ).toEqual({
      ok: false,
      reason: 'phone: not a valid phone number (a national number needs defaultRegion)',
    });
    expect(
      await map(
        { fields: { ...base, birthdate: { from: 'dob', format: 'DD.MM.YYYY' } }, onInvalidField: 'reject' },
        { id: '1', email: 'a@x.org', dob: '31.02.1990' },
      ),
    ).toEqual({
      ok: false,
      reason: 'birthdate: is not a real calendar date',
    });
    expect(await map({ fields: base }, { id: '1', email: '' })).toEqual({
      ok: false,
      reason: 'email: a user needs at least one identifier: email, phone, username or a social identity',
    });
  });

  it('by default (onInvalidField: drop) migrates the user without an invalid optional field and says which', async () => {
    const r = await map(
      {
        fields: { ...base, phone: 'tel', birthdate: { from: 'dob', format: 'DD.MM.YYYY' }, locale: 'loc' },
        attributes: { score: { from: 'score', transform: 'number' } },
      },
      { id: '1', email: 'a@x.org', tel: '12', dob: '31.02.1990', loc: 'de-DE', score: 'many' },
    );
    expect(r).toEqual({
      ok: true,
      user: expect.objectContaining({ sourceId: '1', email: 'a@x.org', locale: 'de-DE' }),
      notes: [
        'dropped phone: not a valid phone number (a national number needs defaultRegion)',
        'dropped birthdate: is not a real calendar date',
        expect.stringMatching(/^dropped attributes\.score: /),
      ],
    });
    if (r.ok) {
      expect(r.user.phone).toBeUndefined();
      expect(r.user.birthdate).toBeUndefined();
      expect(r.user.attributes).toEqual({});
    }
  });

  it('never drops an identifier: a bad e-mail or username still rejects the user', async () => {
    expect(await map({ fields: base }, { id: '1', email: 'not-an-address' })).toEqual({
      ok: false,
      reason: 'email: not a valid e-mail address',
    });
  });

  it('refuses a legacy id with NUL and notes trailing spaces, invisible and look-alike characters', async () => {
    expect(await map({ fields: base }, { id: 'a\u0000b', email: 'a@x.org' })).toEqual({
      ok: false,
      reason: 'sourceId: the legacy id contains a NUL character',
    });
    const notesOf = async (id: string) => {
      const r = await map({ fields: base }, { id, email: 'a@x.org' });
      return r.ok ? (r.notes ?? []) : [r.reason];
    };
    expect(await notesOf('u-1 ')).toEqual(['legacy id has leading or trailing spaces']);
    expect(await notesOf('u\u200b1')).toEqual(['legacy id contains invisible characters']);
    expect(await notesOf('ｕ１')).toEqual(['legacy id is not NFKC-normalised (full-width or compatibility look-alike characters)']);
    expect(await notesOf('p\u0430ypal')).toEqual(['legacy id mixes Latin letters with Greek or Cyrillic look-alikes']);
    expect(await notesOf('müller-1')).toEqual([]);
  });

  it('applies constants, defaults, value tables and name splitting', async () => {
    const r = await map(
      {
        fields: {
          ...base,
          status: { from: 'blocked', values: { true: 'disabled', false: 'active' } },
          emailVerified: { from: 'verified', default: false },
          locale: { value: 'de-DE' },
          name: { from: 'full', transform: 'split-name' },
        },
      },
      { id: '1', email: 'a@x.org', blocked: true, verified: '', full: 'Hopper, Grace Brewster' },
    );
    expect(r).toMatchObject({
      ok: true,
      user: {
        status: 'disabled',
        emailVerified: false,
        locale: 'de-DE',
        name: { given: 'Grace', middle: 'Brewster', family: 'Hopper' },
      },
    });
  });

  it('rejects an unrecognised hash without echoing it, or resets when told to', async () => {
    const secret = 'deadbeefdeadbeefdeadbeefdeadbeef';
    const rejected = await map(
      { fields: base, password: { from: 'pw' } },
      { id: '1', email: 'a@x.org', pw: secret },
    );
    expect(rejected.ok).toBe(false);
    if (!rejected.ok) {
      expect(rejected.reason).toMatch(/^password: /);
      expect(rejected.reason).not.toContain(secret);
    }
    const reset = await map(
      { fields: base, password: { from: 'pw', unrecognised: 'reset' } },
      { id: '1', email: 'a@x.org', pw: secret },
    );
    expect(reset).toMatchObject({ ok: true, user: { password: { mustReset: true } } });
  });

  it('normalises TOTP secrets from base32, hex and otpauth URIs', async () => {
    const m = { fields: base, totp: { from: 'otp' } };
    const data = (otp: string) => ({ id: '1', email: 'a@x.org', otp });
    expect(await map(m, data('jbsw y3dp ehpk 3pxp'))).toMatchObject({
      ok: true,
      user: { mfa: [{ type: 'totp', secret: 'JBSWY3DPEHPK3PXP', digits: 6 }] },
    });
    expect(await map(m, data('48656c6c6f21deadbeef'))).toMatchObject({
      ok: true,
      user: { mfa: [{ secret: 'JBSWY3DPEHPK3PXP' }] },
    });
    expect(
      await map(m, data('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=8&period=60&algorithm=SHA256')),
    ).toMatchObject({
      ok: true,
      user: { mfa: [{ secret: 'JBSWY3DPEHPK3PXP', digits: 8, period: 60, algorithm: 'SHA256' }] },
    });
  });

  it('runs a user module that can change or reject a user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mapmod-'));
    try {
      await writeFile(
        join(dir, 'hook.mjs'),
        `export default (user, record) => record.data.banned === 'yes' ? { reject: 'banned in the legacy system' } : { ...user, username: 'u' + user.sourceId };`,
      );
      const mapper = await createMapper(Mapping.parse({ fields: base, module: 'hook.mjs' }), {
        baseDir: dir,
      });
      expect(mapper.map({ position: 'a', data: { id: '1', email: 'a@x.org' } })).toMatchObject({
        ok: true,
        user: { username: 'u1' },
      });
      expect(mapper.map({ position: 'b', data: { id: '2', email: 'b@x.org', banned: 'yes' } })).toEqual({
        ok: false,
        reason: 'banned in the legacy system',
      });
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

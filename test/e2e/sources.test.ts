/**
 * Issue 7, "done when": every source kind, from a fixture that follows its documented format, through
 * a real migration (config → `openPipeline` → `runMigration` with a SQLite ledger) into an emulator,
 * where users log in with their original passwords. This file: the generic file sources (CSV, JSON
 * array, NDJSON). Vendor exports: sources-vendors.test.ts; SQL and LDAP servers: sources-servers.test.ts.
 */
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import vectors from '../fixtures/hash-vectors.json' with { type: 'json' };
import {
  cidaasTarget,
  cidaasUser,
  deadWith,
  expectLogin,
  expectMustReset,
  fixture,
  migrate,
  selfIdentity,
  startCidaas,
  tempDir,
} from './sources-helpers.ts';

let work: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  work = await tempDir('files');
});
afterAll(async () => {
  await work.remove();
});

/** A public test vector (test/fixtures/hash-vectors.json keeps its source) with a known plaintext. */
function vector(format: string, pattern: RegExp): { hash: string; password: string } {
  const v = (vectors as { format: string; hash: string; password: string }[]).find(
    (e) => e.format === format && pattern.test(e.hash),
  );
  if (!v) throw new Error(`no ${format} vector matching ${pattern.source}`);
  return v;
}

describe('csv → cidaas (test/fixtures/sources/csv/users.csv)', () => {
  it('imports the valid rows with names, phone, groups and a custom attribute; the bcrypt user logs in, the rest must reset', async () => {
    const emu = await startCidaas({ customFields: { legacyGroups: { type: 'array' } } });
    try {
      const { summary } = await migrate(
        work.dir,
        {
          source: { kind: 'csv', path: fixture('csv/users.csv') },
          mapping: {
            fields: {
              sourceId: 'id',
              email: { from: 'email', transform: ['trim', 'lowercase'] },
              'name.given': 'given_name',
              'name.family': 'family_name',
              phone: { from: 'phone', defaultRegion: 'DE' },
              groups: { from: 'groups', transform: 'split-list' },
              createdAt: { from: 'created', transform: 'datetime', format: 'DD.MM.YYYY' },
            },
            attributes: { legacyGroups: { from: 'groups', transform: 'split-list' } },
            password: { from: 'password_hash' },
          },
          target: cidaasTarget(emu.url),
        },
        'csv',
      );
      expect(summary.status).toBe('completed');
      expect(summary.staged.rejected).toBe(3);
      expect(summary.rejects.map((r) => [r.position, r.reason])).toEqual([
        ['line 4', 'expected 8 columns, found 9'],
        ['line 5', 'unexpected text after the closing quote of field 2'],
        ['line 6', 'email: not a valid e-mail address'],
      ]);
      expect(summary.delivered.created).toBe(3);
      expect(summary.deadLetters).toBe(0);
      expect(
        emu
          .users()
          .map((u) => u.sub)
          .sort(),
      ).toEqual(['1001', '1002', '1006']);

      const ada = cidaasUser(emu, '1001');
      expect(ada.userStatus).toBe('VERIFIED');
      expect(selfIdentity(ada)).toMatchObject({
        email: 'ada@example.org',
        given_name: 'Ada',
        family_name: 'Lovelace',
        mobile_number: '+442079460018',
      });
      expect(ada.customFields).toEqual({ legacyGroups: ['admins', 'staff'] });
      expect(ada.account['groups']).toEqual([
        { sub: '1001', groupId: 'admins' },
        { sub: '1001', groupId: 'staff' },
      ]);
      expect(selfIdentity(cidaasUser(emu, '1002'))).toMatchObject({
        family_name: 'Hopper, "Amazing"',
        mobile_number: '+49301234567',
      });
      expect(selfIdentity(cidaasUser(emu, '1006'))).toMatchObject({ family_name: 'Multi\nLine' });

      await expectLogin(emu, 'ada@example.org', 'correct horse'); // the fixture's documented plaintext
      await expectLogin(emu, '+442079460018', 'correct horse'); // by mobile number too
      await expectMustReset(emu, 'grace@example.org');
      await expectMustReset(emu, 'linus@example.org');
    } finally {
      await emu.close();
    }
  });

  it('a row with an empty id column is rejected with a readable reason; the others arrive', async () => {
    const emu = await startCidaas();
    try {
      const file = path.join(work.dir, 'empty-id.csv');
      await writeFile(
        file,
        `id,email,hash\n,noid@example.org,\n7,seven@example.org,${bcryptHash('seven-pw', 4)}\n`,
      );
      const { summary } = await migrate(
        work.dir,
        {
          source: { kind: 'csv', path: file },
          mapping: { fields: { sourceId: 'id', email: 'email' }, password: { from: 'hash' } },
          target: cidaasTarget(emu.url),
        },
        'csv-empty-id',
      );
      expect(summary.rejects).toEqual([
        { position: 'line 2', sourceId: undefined, reason: 'sourceId: missing (the legacy id is required)' },
      ]);
      expect(emu.users().map((u) => u.sub)).toEqual(['7']);
      await expectLogin(emu, 'seven@example.org', 'seven-pw');
    } finally {
      await emu.close();
    }
  });
});

describe('json array → cidaas', () => {
  it('the truncated fixture (test/fixtures/sources/json/users.json): the complete records arrive, the cut one is one reject', async () => {
    const emu = await startCidaas();
    try {
      const { summary } = await migrate(
        work.dir,
        {
          source: { kind: 'json', path: fixture('json/users.json') },
          mapping: { fields: { sourceId: 'id', email: 'email' } },
          target: cidaasTarget(emu.url),
        },
        'json-truncated',
      );
      expect(
        emu
          .users()
          .map((u) => u.sub)
          .sort(),
      ).toEqual(['1', '2']);
      expect(summary.staged.rejected).toBe(1);
      expect(summary.rejects[0]?.reason).toMatch(/truncated|unexpected end|invalid JSON/i);
      // No hash column in this export: both must set a password.
      await expectMustReset(emu, 'a@example.org');
      await expectMustReset(emu, 'b@example.org');
    } finally {
      await emu.close();
    }
  });

  it('an application export with one hash family per user: native families log in, phpass follows unsupportedHash: reject', async () => {
    // cidaas takes bcrypt, PBKDF2, salted SHA and argon2 natively when the tenant has the algorithm;
    // phpass it cannot take, and with the default policy the user is refused by name.
    const emu = await startCidaas({ customFields: { plan: { type: 'string' } } });
    try {
      const salt = Buffer.from('django-salt-1234');
      const djangoPbkdf2 = `pbkdf2_sha256$1000$${salt.toString()}$${pbkdf2Sync('grace-pw', salt, 1000, 32, 'sha256').toString('base64')}`;
      const argon = vector('argon2', /^\$argon2id\$v=19\$m=32,/);
      const phpass = vector('phpass', /^\$P\$/);
      const file = path.join(work.dir, 'app-export.json');
      await writeFile(
        file,
        JSON.stringify({
          exportedAt: '2024-11-02T08:12:00Z',
          data: {
            users: [
              {
                uid: 'u1',
                mail: 'Ada@Example.org',
                first: 'Ada',
                last: 'Lovelace',
                plan: 'gold',
                pw: bcryptHash('ada-pw', 4),
                roles: ['admin'],
              },
              {
                uid: 'u2',
                mail: 'grace@example.org',
                first: 'Grace',
                last: 'Hopper',
                plan: 'free',
                pw: djangoPbkdf2,
              },
              { uid: 'u3', mail: 'argon@example.org', first: 'Argon', pw: argon.hash },
              { uid: 'u4', mail: 'wp@example.org', first: 'Word', last: 'Press', pw: phpass.hash },
              { uid: 'u5', mail: 'nopw@example.org', first: 'No', pw: null },
              { uid: 'u6', mail: 'junk@example.org', first: 'Junk', pw: 'not-a-hash' },
            ],
          },
        }),
      );
      const { summary, targetStats } = await migrate(
        work.dir,
        {
          source: { kind: 'json', path: file, pick: 'data.users' },
          mapping: {
            fields: {
              sourceId: 'uid',
              email: { from: 'mail', transform: ['trim', 'lowercase'] },
              'name.given': 'first',
              'name.family': 'last',
              roles: 'roles',
            },
            attributes: { plan: 'plan' },
            password: { from: 'pw' },
          },
          target: cidaasTarget(emu.url, {
            hashAlgorithms: { bcrypt: 'BCRYPT_{cost}', 'pbkdf2-sha256': 'PBKDF2', argon2id: 'ARGON2' },
          }),
        },
        'json-hashes',
      );
      // An unidentifiable stored value is never dropped silently: that user is a source reject.
      // (The reject names the record by position; its legacy id is only filled in for vendor
      // sources, whose normalised records carry `sourceId` — src/engine/stage.ts.)
      expect(summary.rejects).toMatchObject([
        { position: 'data.users[5]', reason: 'password: unrecognised: 10 characters' },
      ]);
      expect(deadWith(summary, /phpass/)).toBe(1);
      expect(summary.deadLetters).toBe(1);
      expect(targetStats?.unsupportedHashResets ?? 0).toBe(0);
      expect(
        emu
          .users()
          .map((u) => u.sub)
          .sort(),
      ).toEqual(['u1', 'u2', 'u3', 'u5']);

      const ada = cidaasUser(emu, 'u1');
      expect(selfIdentity(ada)).toMatchObject({
        email: 'ada@example.org',
        given_name: 'Ada',
        family_name: 'Lovelace',
      });
      expect(ada.customFields).toEqual({ plan: 'gold' });
      expect(ada.account['roles']).toEqual(['admin']);
      expect(cidaasUser(emu, 'u2').customFields).toEqual({ plan: 'free' });

      await expectLogin(emu, 'ada@example.org', 'ada-pw');
      await expectLogin(emu, 'grace@example.org', 'grace-pw');
      await expectLogin(emu, 'argon@example.org', argon.password);
      await expectMustReset(emu, 'nopw@example.org');
      expect(await emu.login('wp@example.org', phpass.password)).toMatchObject({
        ok: false,
        reason: 'unknown user',
      });
    } finally {
      await emu.close();
    }
  });
});

describe('ndjson → cidaas', () => {
  it('the fixture with a broken line, a blank line and a non-object line: the good lines arrive', async () => {
    const emu = await startCidaas();
    try {
      const { summary } = await migrate(
        work.dir,
        {
          source: { kind: 'ndjson', path: fixture('json/users.ndjson') },
          mapping: { fields: { sourceId: 'id', email: 'email' } },
          target: cidaasTarget(emu.url),
        },
        'ndjson-fixture',
      );
      expect(
        emu
          .users()
          .map((u) => u.sub)
          .sort(),
      ).toEqual(['1', '3']);
      expect(summary.staged.rejected).toBe(2);
      expect(summary.rejects.map((r) => r.position)).toEqual(['line 2', 'line 5']);
      await expectMustReset(emu, 'c@example.org');
    } finally {
      await emu.close();
    }
  });

  it('salted SHA-256 with a separate salt column logs in natively; phpass follows unsupportedHash: reset', async () => {
    const emu = await startCidaas({ customFields: { tier: { type: 'string' } } });
    try {
      const { createHash } = await import('node:crypto');
      const salt = randomBytes(8).toString('hex'); // a printable salt, as most apps store it
      const sha = createHash('sha256').update(`max-pw${salt}`).digest('hex');
      const phpass = vector('phpass', /^\$H\$/);
      const file = path.join(work.dir, 'users.ndjson');
      await writeFile(
        file,
        [
          {
            id: 10,
            email: 'max@example.org',
            phone: '0171 2345678',
            given: 'Max',
            hash: sha,
            salt,
            tier: 'gold',
          },
          { id: 11, email: 'erika@example.org', given: 'Erika', hash: phpass.hash, tier: 'silver' },
        ]
          .map((r) => JSON.stringify(r))
          .join('\n') + '\n',
      );
      const { summary, targetStats } = await migrate(
        work.dir,
        {
          source: { kind: 'ndjson', path: file },
          mapping: {
            fields: {
              sourceId: 'id',
              email: 'email',
              phone: { from: 'phone', defaultRegion: 'DE' },
              'name.given': 'given',
            },
            attributes: { tier: 'tier' },
            password: {
              from: 'hash',
              salt: 'salt',
              saltPosition: 'suffix',
              format: 'sha256',
              encoding: 'hex',
            },
          },
          target: cidaasTarget(emu.url, {
            hashAlgorithms: { bcrypt: 'BCRYPT_{cost}', sha256: 'SHA256' },
            unsupportedHash: 'reset',
          }),
        },
        'ndjson-sha',
      );
      expect(summary.staged.rejected).toBe(0);
      expect(summary.deadLetters).toBe(0);
      expect(targetStats?.unsupportedHashResets).toBe(1);
      expect(
        emu
          .users()
          .map((u) => u.sub)
          .sort(),
      ).toEqual(['10', '11']);
      expect(cidaasUser(emu, '10').customFields).toEqual({ tier: 'gold' });
      expect(selfIdentity(cidaasUser(emu, '10'))).toMatchObject({
        mobile_number: '+491712345678',
        given_name: 'Max',
      });
      await expectLogin(emu, 'max@example.org', 'max-pw');
      await expectMustReset(emu, 'erika@example.org', phpass.password);
    } finally {
      await emu.close();
    }
  });
});

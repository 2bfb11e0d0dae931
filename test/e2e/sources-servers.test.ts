/**
 * Issue 7, "done when", sources that are servers: SQL on the local PostgreSQL and MariaDB, and LDAP
 * on a real OpenLDAP slapd the test starts on a loopback port. Each is migrated for real into the
 * cidaas emulator; users log in with their original passwords (natively, or through the
 * `ciam-migrate verifier` service where cidaas has no native algorithm).
 */
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerifierService, type VerifierService } from '../../src/targets/cidaas/verifier-service.ts';
import vectors from '../fixtures/hash-vectors.json' with { type: 'json' };
import { SERVICES, serviceAvailable } from '../helpers/services.ts';
import {
  cidaasTarget,
  cidaasUser,
  expectLogin,
  expectMustReset,
  migrate,
  selfIdentity,
  slapdAvailable,
  ssha,
  startCidaas,
  startSlapd,
  tempDir,
  type Slapd,
} from './sources-helpers.ts';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const MY_ROOT = 'mysql://root@127.0.0.1:3306/';
const VERIFIER_TOKEN = 'verifier-bearer-for-e2e';

const phpass = (vectors as { format: string; hash: string; password: string }[]).find(
  (v) => v.format === 'phpass' && v.hash.startsWith('$P$'),
);
if (!phpass) throw new Error('hash-vectors.json lost its phpass vector');

let work: { dir: string; remove(): Promise<void> };
let verifier: VerifierService;
beforeAll(async () => {
  work = await tempDir('servers');
  verifier = await startVerifierService({
    port: 0,
    clientId: 'cidaas',
    clientSecret: 'unused',
    bearerToken: VERIFIER_TOKEN,
  });
});
afterAll(async () => {
  await verifier.close();
  await work.remove();
});

const withVerifier = () => ({
  customVerifierUrl: `${verifier.url}/verify`,
  customVerifierToken: VERIFIER_TOKEN,
});

describe.skipIf(!(await serviceAvailable(SERVICES.postgres)))('sql on PostgreSQL → cidaas', () => {
  const table = `e2e_src_users_${process.pid}`;
  const client = new pg.Client({ connectionString: PG_URL });
  beforeAll(async () => {
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, email text, first_name text, last_name text, phone text,
        groups text, tier text, password_hash text, active boolean NOT NULL, updated_at timestamptz NOT NULL)`,
    );
    await client.query(
      `INSERT INTO ${table} VALUES
        (1, 'ada@example.org', 'Ada', 'Lovelace', '+44 20 7946 0018', 'admins,staff', 'gold', $1, true, '2024-01-01T00:00:00Z'),
        (2, 'grace@example.org', 'Grace', 'Hopper', NULL, 'staff', 'silver', $2, true, '2024-01-02T00:00:00Z'),
        (3, 'alan@example.org', 'Alan', 'Turing', NULL, NULL, NULL, NULL, false, '2024-01-03T00:00:00Z')`,
      [bcryptHash('ada-pw', 4), bcryptHash('grace-pw', 4)],
    );
  });
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  it('a query through a streaming cursor: users arrive with their fields and log in; a second run sends only the changed row', async () => {
    const emu = await startCidaas({ customFields: { tier: { type: 'string' } } });
    try {
      const spec = {
        source: {
          kind: 'sql',
          driver: 'postgres',
          url: PG_URL,
          query: `SELECT * FROM ${table}`,
          key: 'id',
          updatedAt: 'updated_at',
          batchSize: 2,
        },
        mapping: {
          fields: {
            sourceId: 'id',
            status: { from: 'active', values: { true: 'active', false: 'disabled' } },
            email: 'email',
            'name.given': 'first_name',
            'name.family': 'last_name',
            phone: { from: 'phone', transform: 'e164' },
            groups: { from: 'groups', transform: 'split-list' },
            updatedAt: { from: 'updated_at', transform: 'datetime' },
          },
          attributes: { tier: 'tier' },
          password: { from: 'password_hash' },
        },
        target: cidaasTarget(emu.url),
      };
      const first = await migrate(work.dir, spec, 'sql-pg');
      expect(first.summary.rejects).toEqual([]);
      expect(first.summary.delivered.created).toBe(3);
      const ada = cidaasUser(emu, '1');
      expect(ada.customFields).toEqual({ tier: 'gold' });
      expect(ada.account['groups']).toEqual([
        { sub: '1', groupId: 'admins' },
        { sub: '1', groupId: 'staff' },
      ]);
      expect(selfIdentity(ada)).toMatchObject({
        given_name: 'Ada',
        family_name: 'Lovelace',
        mobile_number: '+442079460018',
      });
      expect(cidaasUser(emu, '3').userStatus).toBe('DECLINED');
      await expectLogin(emu, 'ada@example.org', 'ada-pw');
      await expectLogin(emu, 'grace@example.org', 'grace-pw');

      // Grace changes her e-mail in the legacy system: the delta reads one row and updates one user.
      await client.query(
        `UPDATE ${table} SET email = 'grace.hopper@example.org', updated_at = '2024-02-01T00:00:00Z' WHERE id = 2`,
      );
      const delta = await migrate(work.dir, spec, 'sql-pg');
      expect(delta.summary.staged).toMatchObject({ changed: 1, new: 0 });
      expect(delta.summary.staged.read).toBeLessThan(3); // incremental: only rows at or after the cursor
      expect(delta.summary.delivered.updated).toBe(1);
      expect(delta.summary.delivered.created).toBe(0);
      expect(emu.users()).toHaveLength(3);
      await expectLogin(emu, 'grace.hopper@example.org', 'grace-pw');
    } finally {
      await emu.close();
    }
  });

  // `updatedAt` makes runs incremental: the ledger keeps the source cursor between runs.
  it('with updatedAt, a second run reads only the rows changed since the first', async () => {
    const emu = await startCidaas();
    try {
      const spec = {
        source: {
          kind: 'sql',
          driver: 'postgres',
          url: PG_URL,
          query: `SELECT id, email, updated_at FROM ${table}`,
          key: 'id',
          updatedAt: 'updated_at',
        },
        mapping: { fields: { sourceId: 'id', email: 'email' } },
        target: cidaasTarget(emu.url),
      };
      const first = await migrate(work.dir, spec, 'sql-pg-cursor');
      expect(first.summary.staged.read).toBe(3);
      await client.query(`UPDATE ${table} SET updated_at = '2024-03-01T00:00:00Z' WHERE id = 1`);
      const delta = await migrate(work.dir, spec, 'sql-pg-cursor');
      // The changed row, plus the row at the previous high-water mark: the source re-reads the last
      // timestamp so a row committed in the same instant is never missed; its fingerprint makes it a no-op.
      expect(delta.summary.staged.read).toBe(2);
      expect(delta.summary.incremental).toBe(true);
    } finally {
      await emu.close();
    }
  });
});

describe.skipIf(!(await serviceAvailable(SERVICES.mariadb)))('sql on MariaDB → cidaas', () => {
  const db = `e2e_src_${process.pid}`;
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: MY_ROOT, multipleStatements: true });
    await conn.query(
      `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db};
       CREATE TABLE ${db}.wp_users (ID BIGINT PRIMARY KEY, user_login VARCHAR(60), user_email VARCHAR(100),
         display_name VARCHAR(250), user_pass VARCHAR(255), user_registered DATETIME NOT NULL)`,
    );
    await conn.query(
      `INSERT INTO ${db}.wp_users VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)`,
      [
        1,
        'ada',
        'ada@example.org',
        'Ada Lovelace',
        bcryptHash('ada-pw', 4).replace(/^\$2b\$/, '$2y$'),
        '2015-12-10 10:00:00',
        2,
        'wp',
        'wp@example.org',
        'Word Press',
        phpass?.hash,
        '2016-01-01 10:00:00',
        3,
        'nopw',
        'nopw@example.org',
        'No Password',
        '',
        '2017-01-01 10:00:00',
      ],
    );
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    await conn.end();
  });

  it('a WordPress-style table: PHP bcrypt ($2y$) logs in natively, phpass through the verifier, an empty hash must reset', async () => {
    const emu = await startCidaas(withVerifier());
    try {
      const { summary, targetStats } = await migrate(
        work.dir,
        {
          source: {
            kind: 'sql',
            driver: 'mysql',
            url: `${MY_ROOT}${db}`,
            query: 'SELECT * FROM wp_users ORDER BY ID',
            key: 'ID',
          },
          mapping: {
            fields: {
              sourceId: 'ID',
              username: 'user_login',
              email: 'user_email',
              name: { from: 'display_name', transform: 'split-name' },
              createdAt: { from: 'user_registered', transform: 'datetime' },
            },
            password: { from: 'user_pass' },
          },
          target: cidaasTarget(emu.url, { unsupportedHash: 'verifier' }),
        },
        'sql-mariadb',
      );
      expect(summary.rejects).toEqual([]);
      expect(summary.deadLetters).toBe(0);
      expect(targetStats?.verifierHashes).toBe(1);
      expect(selfIdentity(cidaasUser(emu, '1'))).toMatchObject({
        username: 'ada',
        given_name: 'Ada',
        family_name: 'Lovelace',
      });
      expect(cidaasUser(emu, '1').password).toMatchObject({
        kind: 'hash',
        info: { algorithmTypeId: 'BCRYPT_4' },
      });
      await expectLogin(emu, 'ada', 'ada-pw');
      await expectLogin(emu, 'wp@example.org', phpass?.password ?? '');
      await expectMustReset(emu, 'nopw');
    } finally {
      await emu.close();
    }
  });
});

describe.skipIf(!slapdAvailable())('ldap (real slapd) → cidaas', () => {
  let slapd: Slapd;
  let dir: { dir: string; remove(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('slapd');
    slapd = await startSlapd(dir.dir);
    const client = await slapd.client();
    try {
      await client.add(slapd.suffix, {
        objectClass: ['dcObject', 'organization'],
        dc: 'example',
        o: 'Example',
      });
      await client.add(`ou=people,${slapd.suffix}`, { objectClass: 'organizationalUnit', ou: 'people' });
      const person = (uid: string, given: string, sn: string, extra: Record<string, string | Buffer>) =>
        client.add(`uid=${uid},ou=people,${slapd.suffix}`, {
          objectClass: 'inetOrgPerson',
          uid,
          cn: `${given} ${sn}`,
          givenName: given,
          sn,
          mail: `${uid}@example.org`,
          ...extra,
        });
      // A printable salt (cidaas SHA1 takes it natively) and a binary one (only the verifier can).
      await person('ada', 'Ada', 'Lovelace', {
        userPassword: ssha('ada-pw', Buffer.from('s4lt')),
        telephoneNumber: '+44 20 7946 0018',
        employeeType: 'staff',
      });
      await person('grace', 'Grace', 'Hopper', {
        userPassword: ssha('grace-pw', Buffer.from([0xfe, 0x00, 0x80, 0x07])),
      });
      await person('alan', 'Alan', 'Turing', {});
    } finally {
      await client.unbind();
    }
  }, 30_000);
  afterAll(async () => {
    await slapd?.stop();
    await dir?.remove();
  });

  it('{SSHA} users log in (natively or through the verifier); a user without userPassword must reset', async () => {
    const emu = await startCidaas({ ...withVerifier(), customFields: { employeeType: { type: 'string' } } });
    try {
      const { summary, targetStats } = await migrate(
        work.dir,
        {
          source: {
            kind: 'ldap',
            url: slapd.url,
            bindDN: slapd.adminDN,
            bindPassword: '${LDAP_BIND_PASSWORD}',
            baseDN: `ou=people,${slapd.suffix}`,
            pageSize: 2,
          },
          mapping: {
            fields: {
              sourceId: 'uid',
              username: 'uid',
              email: 'mail',
              'name.given': 'givenName',
              'name.family': 'sn',
              phone: { from: 'telephoneNumber', transform: 'e164' },
            },
            attributes: { employeeType: 'employeeType' },
            password: { from: 'userPassword' },
          },
          target: cidaasTarget(emu.url, {
            hashAlgorithms: { bcrypt: 'BCRYPT_{cost}', sha1: 'SHA1' },
            unsupportedHash: 'verifier',
          }),
        },
        'ldap',
        { LDAP_BIND_PASSWORD: slapd.adminPassword },
      );
      expect(summary.rejects).toEqual([]);
      expect(summary.deadLetters).toBe(0);
      expect(summary.delivered.created).toBe(3);
      expect(targetStats?.verifierHashes).toBe(1);
      const ada = cidaasUser(emu, 'ada');
      expect(ada.password).toMatchObject({ kind: 'hash', info: { algorithmTypeId: 'SHA1' } });
      expect(ada.customFields).toEqual({ employeeType: 'staff' });
      expect(selfIdentity(ada)).toMatchObject({
        username: 'ada',
        email: 'ada@example.org',
        given_name: 'Ada',
        family_name: 'Lovelace',
        mobile_number: '+442079460018',
      });
      expect(cidaasUser(emu, 'grace').password).toMatchObject({
        kind: 'hash',
        info: { algorithmTypeId: 'CUSTOM_CIAM_MIGRATE' },
      });
      await expectLogin(emu, 'ada@example.org', 'ada-pw');
      await expectLogin(emu, 'grace', 'grace-pw');
      await expectMustReset(emu, 'alan@example.org');
    } finally {
      await emu.close();
    }
  });
});

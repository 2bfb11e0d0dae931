/**
 * Issue 31, "done when": each vendor layout, from a file built as the vendor's tool writes it
 * (test/fixtures/sources, sources in test/fixtures/README.md), migrated into cidaas AND Cloudentity;
 * known passwords log in at `POST /_emulator/login` where the target can take the hash, and where it
 * cannot the policy (cidaas: verifier, Cloudentity: reset) is what the user meets.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everywhere, migrateIntoBoth, verifierOnly, type Who } from './layouts-helpers.ts';
import { cidaasTarget, fixture, migrate, startCidaas, tempDir } from './sources-helpers.ts';

const FIREBASE_HASH = JSON.parse(readFileSync(fixture('firebase/hash-config.json'), 'utf8')) as Record<string, unknown>;
const reset = (login: string): Who => ({ login, password: 'anything', cidaas: 'reset', cloudentity: 'reset' });
const inactive = (login: string, password: string): Who => ({ login, password, cidaas: 'inactive', cloudentity: 'inactive' });

let work: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  work = await tempDir('layouts');
});
afterAll(async () => {
  await work.remove();
});

describe('keycloak: kc.sh export', () => {
  it('--dir folder (realm file + users files): pbkdf2 sha1/256/512 with binary salts, argon2, pre-11 credentials; service account refused, federated user must reset', async () => {
    const { cidaas, cloudentity } = await migrateIntoBoth(work.dir, 'kc-dir', { source: { kind: 'keycloak', path: fixture('keycloak/export-dir') } }, [
      everywhere('ada@example.org', 'ada-pw'),
      everywhere('grace@example.org', 'grace-pw'),
      inactive('alan@example.org', 'alan-pw'),
      everywhere('linus@example.org', 'linus-pw'),
      everywhere('edsger@example.org', 'edsger-pw'),
      reset('ldapuser@example.org'),
    ]);
    for (const m of [cidaas, cloudentity]) {
      expect(m.summary.rejects).toEqual([
        { position: 'acme-users-2.json users[0]', sourceId: undefined, reason: 'service account of client "billing", not a person: not migrated' },
      ]);
      expect(m.summary.deadLetters).toBe(0);
      expect(m.summary.delivered.created).toBe(6);
    }
  });

  it('--file of every realm: refused without source.realm, listing the realms; migrates the chosen one', async () => {
    const spec = { source: { kind: 'keycloak', path: fixture('keycloak/all-realms.json') } };
    const emu = await startCidaas();
    try {
      await expect(migrate(work.dir, { ...spec, target: cidaasTarget(emu.url) }, 'kc-all')).rejects.toThrow(
        /all-realms\.json is the export of 2 realms \(master, acme\); set source\.realm/,
      );
      expect(emu.users()).toEqual([]);
    } finally {
      await emu.close();
    }
    await migrateIntoBoth(work.dir, 'kc-all-acme', { source: { ...spec.source, realm: 'acme' } }, [
      everywhere('ada@example.org', 'ada-pw'),
      everywhere('grace@example.org', 'grace-pw'),
      { login: 'admin@example.org', password: 'admin-pw', cidaas: 'absent', cloudentity: 'absent' },
    ]);
  });
});

describe('firebase auth:export', () => {
  it('CSV as current firebase-tools writes it (28 columns, trailing comma, quoted display name, customAttributes)', async () => {
    const { cidaas, cloudentity } = await migrateIntoBoth(
      work.dir,
      'fb-csv28',
      { source: { kind: 'firebase', path: fixture('firebase/users-28.csv'), hash: FIREBASE_HASH } },
      [verifierOnly('ada@example.org', 'ada-pw'), inactive('max@example.org', 'max-pw')],
      { verifierHint: { firebase: FIREBASE_HASH as never } },
    );
    expect(cidaas.summary.rejects).toEqual([]);
    expect(cidaas.summary.delivered.created).toBe(3);
    // Ada's and Max's scrypt hashes: Cloudentity cannot take them, and says so in its counts.
    expect(cloudentity.targetStats?.unsupportedHashResets).toBe(2);
  });

  it('JSON with disabled and customAttributes', async () => {
    await migrateIntoBoth(
      work.dir,
      'fb-json28',
      { source: { kind: 'firebase', path: fixture('firebase/users-28.json'), hash: FIREBASE_HASH } },
      [verifierOnly('ada@example.org', 'ada-pw'), inactive('max@example.org', 'max-pw')],
      { verifierHint: { firebase: FIREBASE_HASH as never } },
    );
  });
});

describe('cognito: the user import template AWS publishes', () => {
  it('TRUE/FALSE booleans and every standard attribute; no hashes, so every user must reset; an invalid birthdate or phone costs only that field', async () => {
    const { cidaas } = await migrateIntoBoth(work.dir, 'cognito-template', { source: { kind: 'cognito', path: fixture('cognito/import-template.csv') } }, [
      reset('ada@example.org'),
      reset('grace@example.org'),
    ]);
    expect(cidaas.summary.rejects).toEqual([]);
    expect(cidaas.summary.delivered.created).toBe(2);
  });
});

describe('auth0', () => {
  it('the export job CSV (OWASP-escaped values) joined with a hash export using other field names', async () => {
    await migrateIntoBoth(
      work.dir,
      'auth0-csv',
      { source: { kind: 'auth0', path: fixture('auth0/export.csv'), passwordHashes: fixture('auth0/password-hashes-variants.ndjson') } },
      [everywhere('ada@example.org', 'ada-pw'), inactive('grace@example.org', 'grace-pw')],
    );
  });

  it('the export job NDJSON, gzipped as downloaded: the database user with no hash in the export must reset', async () => {
    await migrateIntoBoth(
      work.dir,
      'auth0-gz',
      { source: { kind: 'auth0', path: fixture('auth0/export.json.gz'), passwordHashes: fixture('auth0/password-hashes-variants.ndjson') } },
      [everywhere('ada@example.org', 'ada-pw'), reset('alan@example.org'), reset('linus@example.org')],
    );
  });

  it('the bulk-import file with custom_password_hash for every algorithm Auth0 documents', async () => {
    const { cloudentity } = await migrateIntoBoth(work.dir, 'auth0-import', { source: { kind: 'auth0', path: fixture('auth0/bulk-import.json') } }, [
      everywhere('argon@example.org', 'argon-pw'),
      everywhere('bcrypt@example.org', 'bcrypt-pw'),
      everywhere('bcrypt2@example.org', 'bcrypt2-pw'),
      verifierOnly('hmac@example.org', 'hmac-pw'),
      everywhere('ldap@example.org', 'ldap-pw'),
      verifierOnly('md4@example.org', 'md4-pw'),
      everywhere('md5@example.org', 'md5-pw'),
      // Salt before the password: Cloudentity's sha takes it after (the encoder's assumption).
      verifierOnly('sha1@example.org', 'sha1-pw'),
      everywhere('sha256@example.org', 'sha256-pw'),
      everywhere('sha512@example.org', 'sha512-pw'),
      everywhere('pbkdf2@example.org', 'pbkdf2-pw'),
      verifierOnly('scrypt@example.org', 'scrypt-pw'),
      reset('nopw@example.org'),
    ]);
    expect(cloudentity.summary.rejects).toEqual([]);
    expect(cloudentity.targetStats?.unsupportedHashResets).toBe(4);
  });
});

describe('cloudentity TenantDump as a source', () => {
  it('every HashConfig method (salt in the config or in the value), expiry and must_be_reset as resets, the 1900 sentinel, TOTP', async () => {
    const { cidaas, cloudentity } = await migrateIntoBoth(work.dir, 'ce-methods', { source: { kind: 'cloudentity', path: fixture('cloudentity/tenant-dump-methods.json') } }, [
      everywhere('bcrypt@example.org', 'bcrypt-pw'),
      everywhere('pbkdf2@example.org', 'pbkdf2-pw'),
      everywhere('pbkdf2in@example.org', 'pbkdf2in-pw'),
      everywhere('argon@example.org', 'argon-pw'),
      everywhere('sha@example.org', 'sha-pw'),
      everywhere('shain@example.org', 'shain-pw'),
      everywhere('md5@example.org', 'md5-pw'),
      reset('expired@example.org'),
      reset('reset@example.org'),
      everywhere('totp@example.org', 'totp-pw'),
    ]);
    for (const m of [cidaas, cloudentity]) {
      expect(m.summary.rejects).toEqual([]);
      expect(m.summary.delivered.created).toBe(10);
    }
  });
});

describe('a legacy table with a hash_algo column (mapping.password.formatFrom)', () => {
  it('md5, salted sha256, bcrypt, phpass and prefix-salted md5 in one table, no code module', async () => {
    await migrateIntoBoth(
      work.dir,
      'per-row',
      {
        source: { kind: 'csv', path: fixture('csv/per-row-hash.csv') },
        mapping: {
          fields: { sourceId: 'id', email: 'email' },
          password: {
            from: 'password',
            salt: 'salt',
            formatFrom: 'hash_algo',
            formats: { '1': 'md5', '2': { format: 'sha256', saltPosition: 'suffix' }, '3': 'auto', '4': 'auto', '5': { format: 'md5', saltPosition: 'prefix' } },
          },
        },
      },
      [
        everywhere('ada@example.org', 'ada-pw'),
        everywhere('grace@example.org', 'grace-pw'),
        everywhere('alan@example.org', 'alan-pw'),
        verifierOnly('linus@example.org', 'linus-pw'),
        verifierOnly('edsger@example.org', 'edsger-pw'),
      ],
    );
  });
});

describe('more hash layouts users have', () => {
  it('Spring {id}, WordPress 6.8 $wp$, yescrypt, DES crypt, $2x$, OpenLDAP {PBKDF2-SHA1}, ASP.NET V2', async () => {
    await migrateIntoBoth(
      work.dir,
      'more-hashes',
      {
        source: { kind: 'csv', path: fixture('csv/more-hashes.csv') },
        mapping: { fields: { sourceId: 'id', email: 'email' }, password: { from: 'password_hash', formatFrom: 'algo', formats: { des: 'des-crypt' } } },
      },
      [
        everywhere('spring-bcrypt@example.org', 'springb-pw'),
        everywhere('spring-pbkdf2@example.org', 'springp-pw'),
        everywhere('spring-sha256@example.org', 'springs-pw'),
        verifierOnly('wp@example.org', 'wp-pw'),
        verifierOnly('yes@example.org', 'yes-pw'),
        verifierOnly('des@example.org', 'des-pw'),
        verifierOnly('bcrypt2x@example.org', 'x-pw'),
        everywhere('ldap-pbkdf2@example.org', 'ldapp-pw'),
        everywhere('aspnet@example.org', 'aspnet-pw'),
      ],
    );
  });
});

describe('ory kratos identities', () => {
  it('the import JSON: bcrypt, argon2id, pbkdf2 with the key length it stores, a pf= digest, sha512-crypt, OIDC, TOTP, an inactive identity, a migration-hook user', async () => {
    await migrateIntoBoth(work.dir, 'kratos', { source: { kind: 'kratos', path: fixture('kratos/identities.json') } }, [
      everywhere('ada@example.org', 'ada-pw'),
      everywhere('grace@example.org', 'grace-pw'),
      everywhere('alan@example.org', 'alan-pw'),
      inactive('linus@example.org', 'linus-pw'),
      verifierOnly('edsger@example.org', 'edsger-pw'),
      reset('hook@example.org'),
    ]);
  });
});

describe('an LDIF file (slapcat)', () => {
  it('{SSHA} with a binary salt, {CRYPT}$6$ folded over lines, {ARGON2}, base64 values; the ou and the group are not users', async () => {
    const { cidaas } = await migrateIntoBoth(
      work.dir,
      'ldif',
      {
        source: { kind: 'ldif', path: fixture('ldif/people.ldif') },
        mapping: {
          fields: { sourceId: 'entryUUID', email: 'mail', username: 'uid', 'name.given': 'givenName', 'name.family': 'sn', 'name.display': 'cn' },
          password: { from: 'userPassword' },
        },
      },
      [everywhere('ada@example.org', 'ada-pw'), verifierOnly('grace@example.org', 'grace-pw'), verifierOnly('alan@example.org', 'alan-pw')],
    );
    expect(cidaas.summary.rejects).toEqual([]);
    expect(cidaas.summary.delivered.created).toBe(3);
  });
});

describe('a Django dumpdata fixture', () => {
  it('pbkdf2_sha256, argon2, salted md5; groups resolved; an inactive user; an unusable password must reset; other models passed over', async () => {
    const { cidaas } = await migrateIntoBoth(work.dir, 'django', { source: { kind: 'django', path: fixture('django/dumpdata.json') } }, [
      everywhere('ada@example.org', 'ada-pw'),
      everywhere('grace@example.org', 'grace-pw'),
      inactive('alan@example.org', 'alan-pw'),
      reset('nopw@example.org'),
    ]);
    expect(cidaas.summary.delivered.created).toBe(4);
  });
});

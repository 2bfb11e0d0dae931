import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { identify } from '../../src/hashes/index.ts';
import { DEFAULT_CIDAAS_ALGORITHM_IDS, encodeForCidaas } from '../../src/targets/cidaas/wire/hash.ts';
import { encodeForCloudentity } from '../../src/targets/cloudentity/wire/hash.ts';
import { clearRegisteredSecrets, redact, redactReason, redactSecrets, registerSecret } from '../../src/observe/redact.ts';
import vectors from '../fixtures/hash-vectors.json' with { type: 'json' };
import { hintFor } from '../hashes/vector-hints.ts';

/** How a target may echo a value: bare, in JSON, in JSON inside a JSON string, form-encoded, in a header dump. */
const ECHOES: Array<(v: string) => string> = [
  (v) => `invalid value ${v} for user u1`,
  (v) => JSON.stringify({ error: 'bad request', echo: { passwordHash: v } }),
  (v) => JSON.stringify({ error: JSON.stringify([{ sub: 'u1', password_hash_info: { algorithmTypeId: 'X', passwordHash: v } }]) }),
  (v) => `body was: password=${encodeURIComponent(v)}&sub=u1`,
  (v) => `{"hashed_password": "${v}", "user": "u1"}`,
  (v) => `got '${v}'.`,
];

/** DES crypt is 13 characters of plain letters and digits and is never sent to a target (refused as unsupported). */
const HASHES = (vectors as Array<{ format: string; hash: string }>).filter((v) => v.format !== 'des-crypt' && v.format !== 'totp');

afterEach(() => clearRegisteredSecrets());

describe('redact: hashes of every format the tool reads', () => {
  it.each(HASHES.map((v, i) => [i, v.format, v.hash] as const))('#%i %s is gone from every echo of it', (_i, _format, hash) => {
    for (const echo of ECHOES) {
      const out = redact(echo(hash), { maxLength: 100_000 });
      expect(out).not.toContain(hash);
      // Not even a recognisable tail: the last 12 characters of a hash are still a fingerprint.
      if (!hash.startsWith('{"type"')) expect(out).not.toContain(hash.slice(-12));
    }
  });

  it('also removes what the targets are sent: the cidaas and Cloudentity encodings of each hash', () => {
    const vs = vectors as Array<{ format: string; hash: string; params?: Record<string, unknown> }>;
    let checked = 0;
    for (const v of vs) {
      if (v.format === 'des-crypt' || v.format === 'totp') continue;
      const r = identify(v.hash, hintFor(v as never));
      if (!r.ok) continue;
      const sent: string[] = [];
      const c = encodeForCidaas(r.hash, { ...DEFAULT_CIDAAS_ALGORITHM_IDS, sha512: 'SHA512', argon2id: 'ARGON2ID' });
      if (c.ok) sent.push(c.value.passwordHash, ...Object.values(c.value.hData ?? {}).filter((x) => typeof x === 'string' && x.length >= 16));
      const e = encodeForCloudentity(r.hash);
      if (e.ok) sent.push(typeof e.value === 'string' ? e.value : JSON.stringify(e.value));
      for (const s of sent) {
        for (const echo of ECHOES) expect(redact(echo(s), { maxLength: 100_000 })).not.toContain(s);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('TOTP secrets (base32) of any length from 16 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 16, maxLength: 64 }), (secret) => {
        for (const echo of ECHOES) expect(redact(echo(secret))).not.toContain(secret);
      }),
    );
  });
});

describe('redact: credentials', () => {
  it('bearer tokens, Basic credentials, JWTs and Authorization values', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBTk9OWU1PVVMiLCJzY29wZXMiOlsiY2lkYWFzIl19.c2lnbmF0dXJlLWJ5dGVz';
    const text = `request headers: {"authorization":"Bearer ${jwt}","x":"1"} then Authorization: Basic Y2lhbTpzM2NyM3Q= and token ${jwt}`;
    const out = redact(text);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('Y2lhbTpzM2NyM3Q');
    expect(out).not.toContain('c2lnbmF0dXJl');
  });

  it('client_secret=… in a token endpoint error_description, registered or not', () => {
    const msg = 'invalid_client: client_secret=hunter2-is-long&client_id=ciam&grant_type=client_credentials';
    expect(redactSecrets(msg)).not.toContain('hunter2-is-long');
    expect(redactSecrets(msg)).toContain('client_id=ciam');
  });

  it('a registered secret in every spelling a request gives it (raw, URL/form-encoded, JSON-escaped, base64)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8 && !/\[|\]/.test(s)), fc.string({ maxLength: 30 }), (secret, around) => {
        clearRegisteredSecrets();
        registerSecret(secret);
        for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)]) {
          expect(redactSecrets(`${around}${form}${around}`)).not.toContain(secret.length >= 8 ? form : '\u0000');
        }
      }),
    );
  });

  it('the value after a credential key, whatever the quoting', () => {
    for (const text of [
      '{"password":"correct horse battery"}',
      '{\\"password\\":\\"correct horse battery\\"}',
      "password='correct horse battery'",
      'password=correct%20horse%20battery&x=1',
      '{"access_token": "correct horse battery"}',
    ]) {
      expect(redact(text)).not.toMatch(/correct|horse/);
    }
  });
});

describe('redact: identifiers and reason groups', () => {
  it('normalises e-mail addresses, phone numbers, UUIDs and long numbers so that one cause is one reason', () => {
    const reasons = [
      'identifier +14155558614 already exists',
      'identifier +1 650 555 0100 already exists',
      'identifier +491701234567 already exists',
    ].map((r) => redactReason(r));
    expect(new Set(reasons)).toEqual(new Set(['identifier <phone> already exists']));
    expect(redactReason('user alice@example.com already exists.')).toBe('user <email> already exists.');
    expect(redactReason('record 8dfc4306-9f3b-4a33-95d0-98c8954da2c1 already exists')).toBe('record <id> already exists');
    expect(redactReason('ref 1603195110225 failed')).toBe('ref <number> failed');
  });

  it('keeps identifiers when asked (operator messages) but never secrets', () => {
    expect(redactSecrets('user alice@example.com: $2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K')).toBe('user alice@example.com: [hash]');
  });

  it('keeps the file an operator message names, however random its folder, and still removes hashes there', () => {
    expect(redactSecrets('source: /tmp/ciam-loud-aB3xYz9Q/users-export.csv is empty (0 bytes)')).toBe('source: /tmp/ciam-loud-aB3xYz9Q/users-export.csv is empty (0 bytes)');
    expect(redactSecrets('source: ./exports/realm-users-0.json does not exist')).toBe('source: ./exports/realm-users-0.json does not exist');
    // Base64 of a digest with slashes is not a path: no file name with an extension.
    expect(redactSecrets('hash /Xq3+9aZ/kLmN0pQrStUvWxYz12345678AbCdEfGh= refused')).not.toContain('kLmN0pQr');
    expect(redactReason('cannot read /tmp/ciam-aB3xYz9Q/users.csv')).not.toContain('aB3xYz9Q');
  });

  it('leaves ordinary reasons as they are', () => {
    for (const r of [
      'invalid email passed',
      'HTTP 417: user identifier already exists',
      'POST /users-srv/user/bulk was refused with HTTP 403 (insufficient scope: cidaas:bulk_user_create required)',
      'cidaas cannot take sha512 (salted, suffix): no algorithmTypeId configured',
      'hash: unknown algorithm; password must be at least 8 characters',
      'schema violation at /payload/given_name: expected string',
      'gave up after 10 attempts: HTTP 503: injected fault',
      'transport: timeout',
    ]) {
      expect(redactReason(r)).toBe(r);
    }
  });

  it('bounds the length and never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (s) => {
        expect(redactReason(s).length).toBeLessThanOrEqual(500);
      }),
    );
    expect(redactReason(undefined)).toBe('undefined');
    expect(redactReason('x'.repeat(1_000_000)).length).toBe(500);
  });
});

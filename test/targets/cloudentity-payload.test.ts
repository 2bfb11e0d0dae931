import { beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { CloudentityTarget } from '../../src/targets/cloudentity/config.ts';
import { encodeForCloudentity } from '../../src/targets/cloudentity/wire/hash.ts';
import { buildUserEntry, cePayload, encodeEntry, tenantDump, tenantDumpText } from '../../src/targets/cloudentity/payload.ts';
import type { BuildContext } from '../../src/targets/cloudentity/payload.ts';
import { cloudentityCapabilities } from '../../src/targets/cloudentity/capabilities.ts';
import { bcryptHash, fullUser, minimalUser } from './fixtures.ts';
import { hashSamples } from './hash-samples.ts';
import { cloudentityValidator } from './openapi-schema.ts';

const NS = '6f1c0b1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const BCRYPT = '$2b$04$abcdefghijklmnopqrstuuJ8Qb6cJ7e0q2rrVjm1zZ0Xvo3w6h8aW';
const config = CloudentityTarget.parse({
  kind: 'cloudentity',
  baseUrl: 'https://acme.eu.authz.cloudentity.io',
  clientId: 'c',
  clientSecret: 's',
  tenantId: 'acme',
  poolId: 'pool1',
  namespace: NS,
  payloadSchemaId: 'user_v1',
  metadataSchemaId: 'meta_v1',
});
const ctx: BuildContext = {
  config,
  encode: (h) => encodeForCloudentity(h),
  now: () => '2025-01-01T00:00:00Z',
};

describe('Cloudentity payload', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = cloudentityValidator('TenantDump');
  });

  it('builds the four arrays with deterministic ids and every field of a full user', () => {
    const r = buildUserEntry(fullUser('L1', bcryptHash(BCRYPT)), ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const again = buildUserEntry(fullUser('L1', bcryptHash(BCRYPT)), ctx);
    expect(again).toEqual(r);
    const { user, credentials, identifiers, addresses } = r.entry;
    expect(user).toMatchObject({
      tenant_id: 'acme',
      user_pool_id: 'pool1',
      status: 'active',
      payload_schema_id: 'user_v1',
      metadata_schema_id: 'meta_v1',
      created_at: '2015-03-01T10:00:00Z',
      updated_at: '2024-11-02T08:12:00Z',
      payload: {
        email: 'L1@Example.com',
        email_verified: true,
        phone_number: '+4917612345678',
        phone_number_verified: true,
        preferred_username: 'user_L1',
        given_name: 'Max',
        family_name: 'Muster',
        middle_name: 'M',
        nickname: 'maxi',
        name: 'Max Muster',
        locale: 'de-DE',
        zoneinfo: 'Europe/Berlin',
        birthdate: '1990-05-01',
        gender: 'male',
        picture: 'https://example.com/p.png',
        address: {
          formatted: 'Melodiestr. 1, 72399 X, DE',
          street_address: 'Melodiestr. 1',
          locality: 'X',
          region: 'BW',
          postal_code: '72399',
          country: 'DE',
        },
        customer_no: 'A-123',
        vip: true,
      },
      metadata: {
        legacy_id: 'L1',
        groups: ['CIDAAS_USERS'],
        roles: ['USER'],
        last_login_at: '2024-11-02T08:12:00Z',
        mfa: [{ type: 'totp' }],
      },
    });
    expect(credentials).toEqual([
      expect.objectContaining({
        type: 'password',
        user_id: user.id,
        payload: { hashed_password: { config: { method: 'bcrypt', bcrypt: { cost: 4 } }, value: BCRYPT } },
      }),
    ]);
    expect(credentials[0]?.expires_at).toBeUndefined();
    expect(identifiers.map((i) => [i.type, i.identifier, i.identifier_lc])).toEqual([
      ['email', 'L1@Example.com', 'l1@example.com'],
      ['mobile', '+4917612345678', '+4917612345678'],
      ['uid', 'user_L1', 'user_l1'],
      ['federated', 'google:g-L1', 'google:g-l1'],
    ]);
    expect(addresses.map((a) => [a.type, a.address_lc, a.verified, a.verified_at])).toEqual([
      ['email', 'l1@example.com', true, '2024-11-02T08:12:00Z'],
      ['mobile', '+4917612345678', true, '2024-11-02T08:12:00Z'],
    ]);
    const ids = [
      user.id,
      ...credentials.map((c) => c.id),
      ...identifiers.map((i) => i.id),
      ...addresses.map((a) => a.id),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(validate(tenantDump([r.entry])), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the converted schema still refuses what the vendor spec forbids', () => {
    const r = buildUserEntry(minimalUser('bad'), ctx);
    if (!r.ok) throw new Error('unexpected');
    const body = tenantDump([r.entry]);
    expect(validate({ ...body, users: [{ ...r.entry.user, status: 'enabled' }] })).toBe(false);
    const { identifier_lc: _lc, ...noLc } = r.entry.identifiers[0] ?? { identifier_lc: '' };
    expect(validate({ ...body, user_identifiers: [noLc] })).toBe(false);
    expect(validate({ ...body, user_credentials: [{ ...r.entry.credentials[0], type: 'pin' }] })).toBe(false);
  });

  it('keeps record ids when the email changes, so a re-import updates instead of adding', () => {
    const a = buildUserEntry(minimalUser('L2'), ctx);
    const b = buildUserEntry(minimalUser('L2', { email: 'new@example.com' }), ctx);
    expect(a.ok && b.ok && a.entry.identifiers[0]?.id === b.entry.identifiers[0]?.id).toBe(true);
  });

  it('a user without a password gets an expired credential; an unsupported hash follows the policy', () => {
    const r = buildUserEntry(minimalUser('L3'), ctx);
    expect(r.ok && r.entry.credentials[0]).toMatchObject({
      type: 'password',
      expires_at: '1970-01-01T00:00:00Z',
      payload: { hashed_password: { config: { method: 'sha' } } },
    });
    const phpass = {
      ...bcryptHash(BCRYPT),
      algorithm: 'phpass' as const,
      format: 'phpass',
      encoded: '$P$B12345678abcdefghijklmnopqrstuv',
    };
    expect(buildUserEntry(minimalUser('L4', { password: phpass }), ctx)).toMatchObject({
      ok: false,
      code: 'unsupported_hash',
    });
    const reset = buildUserEntry(minimalUser('L4', { password: phpass }), {
      ...ctx,
      config: { ...config, unsupportedHash: 'reset', resetExpiresAt: '2000-01-01T00:00:00Z' },
    });
    expect(reset.ok && reset.password).toBe('unsupported_reset');
    expect(reset.ok && reset.entry.credentials[0]?.expires_at).toBe('2000-01-01T00:00:00Z');
  });

  it('a claim wins over an attribute of its name, and a missing claim drops that attribute', () => {
    const user = minimalUser('a1', { email: 'real@example.com', attributes: { email: 'attr@example.com', given_name: 'FromAttr', tier: 'gold' } });
    const payload = cePayload(user, { attributesIn: 'payload' });
    expect(payload['email']).toBe('real@example.com');
    expect(payload['tier']).toBe('gold');
    expect(Object.hasOwn(payload, 'given_name')).toBe(false);
    expect(Object.values(payload)).not.toContain(undefined);
    expect(cePayload(user, { attributesIn: 'metadata' })['tier']).toBeUndefined();
  });

  it('the config refuses the verifier policy for Cloudentity', () => {
    expect(CloudentityTarget.safeParse({ ...config, unsupportedHash: 'verifier' }).success).toBe(false);
  });

  it('declares capabilities from config', () => {
    const caps = cloudentityCapabilities({ ...config, hashAlgorithms: ['bcrypt'], totp: 'credential' });
    expect(caps).toMatchObject({ maxBatch: 100, perUserResults: false, totpImport: true });
    expect([...caps.hashAlgorithms]).toEqual(['bcrypt']);
  });

  it('every body variant validates against the vendor TenantDump schema', () => {
    const users = [
      fullUser('v1', bcryptHash(BCRYPT)),
      minimalUser('v2'),
      minimalUser('v3', { status: 'disabled', password: { mustReset: true } }),
      minimalUser('v4', { status: 'pending', phone: '+4917600000000', phoneVerified: false }),
      minimalUser('v5', { status: 'deleted', email: undefined, username: 'only_username' }),
      ...hashSamples()
        .filter((s) => s.parsed.ok)
        .map((s, i) => minimalUser(`h${i}`, { password: s.parsed.ok ? s.parsed.hash : undefined })),
    ];
    for (const variant of [
      ctx,
      {
        ...ctx,
        config: {
          ...config,
          attributesIn: 'metadata' as const,
          totp: 'credential' as const,
          unsupportedHash: 'reset' as const,
        },
      },
      { ...ctx, config: { ...config, payloadSchemaId: undefined, metadataSchemaId: undefined } },
    ]) {
      const entries = users.map((u) => buildUserEntry(u, variant)).flatMap((r) => (r.ok ? [r.entry] : []));
      expect(entries.length).toBeGreaterThanOrEqual(5);
      const body = tenantDump(entries);
      expect(validate(body), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
      // Bulk runs send bodies assembled from each user's records serialised ahead: the same text.
      expect(tenantDumpText(entries.map(encodeEntry))).toBe(JSON.stringify(body));
      expect(tenantDumpText(entries.slice(2, 3).map(encodeEntry))).toBe(JSON.stringify(tenantDump(entries.slice(2, 3))));
    }
    expect(tenantDumpText([])).toBe(JSON.stringify(tenantDump([])));
  });
});

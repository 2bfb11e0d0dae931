import { describe, expect, it } from 'vitest';
import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { buildCidaasEntity } from '../../src/targets/cidaas/payload.ts';
import {
  outcomesFromStates,
  parseProcessStates,
  cidaasErrorMessage,
} from '../../src/targets/cidaas/response.ts';
import { bcryptHash, fullUser, minimalUser } from './fixtures.ts';

const BCRYPT = '$2b$04$abcdefghijklmnopqrstuuJ8Qb6cJ7e0q2rrVjm1zZ0Xvo3w6h8aW';
const config = CidaasTarget.parse({
  kind: 'cidaas',
  baseUrl: 'https://x.example',
  clientId: 'c',
  clientSecret: 's',
  displayNameField: 'display_name',
});

describe('buildCidaasEntity', () => {
  it('carries every field of a full user in the identities form', () => {
    const r = buildCidaasEntity(fullUser('L1', bcryptHash(BCRYPT)), config);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const e = r.entity;
    expect(e).toMatchObject({
      sub: 'L1',
      userStatus: 'VERIFIED',
      customFields: { customer_no: 'A-123', vip: true, display_name: 'Max Muster' },
      roles: ['USER'],
      groups: [{ sub: 'L1', groupId: 'CIDAAS_USERS' }],
      mfa_enabled: true,
      password_hash_info: { algorithmTypeId: 'BCRYPT_4', passwordHash: BCRYPT },
      createdTime: '2015-03-01T10:00:00Z',
      lastLoggedInTime: '2024-11-02T08:12:00Z',
    });
    expect(e.need_reset_password).toBeUndefined();
    expect(e.identities).toEqual([
      {
        sub: 'L1',
        provider: 'self',
        username: 'user_L1',
        email: 'L1@Example.com',
        email_verified: true,
        mobile_number: '+4917612345678',
        mobile_number_verified: true,
        given_name: 'Max',
        family_name: 'Muster',
        middle_name: 'M',
        nickname: 'maxi',
        gender: 'male',
        birthdate: '1990-05-01',
        locale: 'de-DE',
        zoneinfo: 'Europe/Berlin',
        picture: 'https://example.com/p.png',
        address: {
          formatted: 'Melodiestr. 1, 72399 X, DE',
          street_address: 'Melodiestr. 1',
          locality: 'X',
          region: 'BW',
          postal_code: '72399',
          country: 'DE',
        },
      },
      { sub: 'L1', provider: 'google', providerUserId: 'g-L1', email: 'L1@Example.com' },
    ]);
  });

  it('is flat without social identities, and forces a reset without a password', () => {
    const r = buildCidaasEntity(minimalUser('L2'), config);
    expect(r.ok && r.entity).toEqual({
      sub: 'L2',
      userStatus: 'VERIFIED',
      provider: 'self',
      email: 'L2@example.com',
      email_verified: false,
      mfa_enabled: false,
      need_reset_password: true,
    });
  });

  it('maps statuses through the configurable map', () => {
    const r = buildCidaasEntity(minimalUser('L3', { status: 'disabled' }), config);
    expect(r.ok && r.entity.userStatus).toBe('DECLINED');
  });

  it('follows unsupportedHash for a hash the tenant cannot take', () => {
    const hash = {
      ...bcryptHash(BCRYPT),
      algorithm: 'phpass' as const,
      format: 'phpass',
      encoded: '$P$Bxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    };
    const user = minimalUser('L4', { password: hash });
    const rejected = buildCidaasEntity(user, config);
    expect(rejected).toMatchObject({ ok: false, code: 'unsupported_hash' });
    const reset = buildCidaasEntity(user, { ...config, unsupportedHash: 'reset' });
    expect(reset.ok && reset.entity.need_reset_password).toBe(true);
    expect(reset.ok && reset.entity.password_hash_info).toBeUndefined();
    const verifier = buildCidaasEntity(user, { ...config, unsupportedHash: 'verifier' });
    expect(verifier.ok && verifier.entity.password_hash_info).toEqual({
      algorithmTypeId: 'CUSTOM_CIAM_MIGRATE',
      passwordHash: hash.encoded,
      hData: { algorithm: 'phpass', format: 'phpass' },
    });
  });

  it('can derive sub as a UUIDv5', () => {
    const r = buildCidaasEntity(minimalUser('L5'), {
      ...config,
      sub: 'uuidv5',
      namespace: '0f0e0d0c-0b0a-4908-8706-050403020100',
    });
    expect(r.ok && r.entity.sub).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('cidaas responses', () => {
  const sent = [
    { sourceId: 'a', sub: 'a', knownToTarget: false, identifiers: ['a@x.com'] },
    { sourceId: 'b', sub: 'b', knownToTarget: true, identifiers: ['b@x.com'] },
    { sourceId: 'c', sub: 'c', knownToTarget: false, identifiers: ['c@mailinator.com'] },
  ];
  const states = [
    { sub: 'b', identifier: { email: 'b@x.com' }, status: 'UPDATED' },
    {
      sub: 'ANONYMOUS',
      identifier: { email: 'c@mailinator.com' },
      state: 'FAILED',
      message: 'invalid email passed',
    },
    { sub: 'a', state: 'CREATED' },
  ];
  it('reads process_states under data or at the top level, state or status', () => {
    expect(
      parseProcessStates(JSON.stringify({ success: true, status: 200, data: { process_states: states } })),
    ).toHaveLength(3);
    expect(parseProcessStates(JSON.stringify({ process_states: states }))?.[0]).toEqual({
      sub: 'b',
      identifier: { email: 'b@x.com' },
      state: 'UPDATED',
    });
    expect(parseProcessStates('not json')).toBeUndefined();
  });
  it('matches states by sub, then identifier, and keeps the message verbatim', () => {
    const parsed = parseProcessStates(JSON.stringify({ process_states: states })) ?? [];
    expect(outcomesFromStates(sent, parsed)).toEqual([
      { sourceId: 'a', kind: 'ok', action: 'created' },
      { sourceId: 'b', kind: 'ok', action: 'updated' },
      { sourceId: 'c', kind: 'rejected', reason: 'invalid email passed', code: 'invalid_email' },
    ]);
  });
  it('falls back to position for an anonymous failure without identifier, and retries a missing state', () => {
    const out = outcomesFromStates(sent, [
      { state: 'CREATED', sub: 'a' },
      { sub: 'ANONYMOUS', state: 'FAILED', message: 'boom' },
    ]);
    expect(out[1]).toMatchObject({ sourceId: 'b', kind: 'rejected', reason: 'boom' });
    expect(out[2]).toMatchObject({ sourceId: 'c', kind: 'retryable' });
  });
  it('reads both documented error bodies', () => {
    expect(
      cidaasErrorMessage(
        JSON.stringify({
          success: false,
          status: 417,
          error: { code: 507, error: 'given_name cannot be null' },
        }),
        417,
      ),
    ).toEqual({ message: 'given_name cannot be null', vendorCode: '507' });
    expect(
      cidaasErrorMessage(
        JSON.stringify({ ErrorResp: { success: false, code: '01230', error: 'missing required fields' } }),
        417,
      ).message,
    ).toBe('missing required fields');
    expect(cidaasErrorMessage('<html>', 502).message).toBe('HTTP 502');
  });
});

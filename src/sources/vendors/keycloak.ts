import { Secret } from 'otpauth';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { streamJsonArray } from '../json/array.ts';
import type { RawRecord, Source } from '../source.ts';
import { arr, bool, compact, jsonObj, millis, obj, str, type Obj } from './util.ts';

const HMAC: Record<string, 'SHA1' | 'SHA256' | 'SHA512'> = {
  HmacSHA1: 'SHA1',
  HmacSHA256: 'SHA256',
  HmacSHA512: 'SHA512',
};

/**
 * A Keycloak realm export (`kc.sh export`), streamed from its `users` array. Password credentials
 * go to src/hashes as the credential JSON (pbkdf2*, argon2); OTP credentials become TOTP factors.
 */
export class KeycloakSource implements Source {
  readonly kind = 'keycloak';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({});

  constructor(private readonly path: string) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    for await (const event of streamJsonArray(this.path, 'users')) {
      if (signal?.aborted) return;
      if (!event.ok) {
        yield { position: `users[${event.after + 1}]`, data: {}, error: event.error };
        return;
      }
      const position = `users[${event.item.index}]`;
      const u = obj(event.item.value);
      const user = u && normalise(u);
      yield user
        ? { position, data: user as unknown as Obj }
        : { position, data: {}, error: 'user without an id' };
    }
  }
}

function normalise(u: Obj): NormalisedRecord | undefined {
  const id = str(u.id);
  if (!id) return undefined;
  const credentials = arr(u.credentials)
    .map(obj)
    .filter((c): c is Obj => c !== undefined);
  const password = credentials.find((c) => c.type === 'password');
  const mfa = credentials.filter((c) => c.type === 'otp').flatMap(otpFactor);
  const attributes = obj(u.attributes);
  const phone = str(arr(attributes?.phoneNumber)[0]) ?? str(arr(attributes?.phone_number)[0]);
  return compact<NormalisedRecord>({
    sourceId: id,
    status: bool(u.enabled) === false ? 'disabled' : 'active',
    email: str(u.email),
    emailVerified: bool(u.emailVerified),
    phone,
    username: str(u.username),
    name: compact({ given: str(u.firstName), family: str(u.lastName) }),
    createdAt: millis(u.createdTimestamp),
    password: password
      ? JSON.stringify({
          type: 'password',
          secretData: password.secretData,
          credentialData: password.credentialData,
        })
      : undefined,
    mfa,
    identities: arr(u.federatedIdentities)
      .map(obj)
      .filter(
        (f): f is Obj =>
          f !== undefined && str(f.identityProvider) !== undefined && str(f.userId) !== undefined,
      )
      .map((f) => ({ provider: str(f.identityProvider) as string, providerUserId: str(f.userId) as string })),
    // Group paths look like "/parent/child"; the target gets the path without the leading slash.
    groups: arr(u.groups).flatMap((g) =>
      typeof g === 'string' && g.length > 1 ? [g.replace(/^\//, '')] : [],
    ),
    roles: arr(u.realmRoles).flatMap((r) => (typeof r === 'string' && r !== '' ? [r] : [])),
    raw: u,
  });
}

function otpFactor(c: Obj): unknown[] {
  const secret = jsonObj(c.secretData);
  const data = jsonObj(c.credentialData);
  const value = str(secret?.value);
  if (!value || (data?.subType !== undefined && data.subType !== 'totp')) return [];
  // Without `secretEncoding` Keycloak uses the secret's characters as the key bytes.
  const base32 =
    data?.secretEncoding === 'BASE32'
      ? value.toUpperCase().replace(/=+$/, '')
      : Secret.fromUTF8(value).base32.replace(/=+$/, '');
  return [
    compact({
      type: 'totp',
      secret: base32,
      digits: typeof data?.digits === 'number' ? data.digits : undefined,
      period: typeof data?.period === 'number' ? data.period : undefined,
      algorithm: HMAC[str(data?.algorithm) ?? 'HmacSHA1'],
    }),
  ];
}

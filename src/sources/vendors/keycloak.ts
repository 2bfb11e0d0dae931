import { Secret } from 'otpauth';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { streamJsonArray } from '../json/array.ts';
import { describeJson } from '../json/describe.ts';
import { keycloakParts } from './keycloak-files.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { arr, bool, compact, jsonObj, millis, obj, str, type Obj } from './util.ts';

const HMAC: Record<string, 'SHA1' | 'SHA256' | 'SHA512'> = {
  HmacSHA1: 'SHA1',
  HmacSHA256: 'SHA256',
  HmacSHA512: 'SHA512',
};

/**
 * A Keycloak export (`kc.sh export`, any layout: see keycloak-files.ts), streamed from its `users`
 * arrays. Password credentials go to src/hashes as the credential JSON (pbkdf2*, argon2; the
 * pre-Keycloak-11 `hashedSaltedValue` form is rewritten into it); OTP credentials become TOTP
 * factors. Service accounts are not people: each is a reject with its client's name.
 */
export class KeycloakSource implements Source {
  readonly kind = 'keycloak';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({});

  constructor(
    private readonly path: string,
    private readonly realm?: string,
  ) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const parts = await keycloakParts(this.path, this.realm);
    for (const part of parts) {
      for await (const event of streamJsonArray(part.path, part.pick)) {
        if (signal?.aborted) return;
        if (!event.ok) {
          yield { position: `${part.label}[${event.after + 1}]`, data: {}, error: event.error };
          break;
        }
        const position = `${part.label}[${event.item.index}]`;
        const u = obj(event.item.value);
        const account = str(u?.serviceAccountClientId);
        if (account !== undefined) {
          yield { position, data: {}, error: `service account of client "${account.slice(0, 60)}", not a person: not migrated` };
          continue;
        }
        const user = u && normalise(u);
        yield user
          ? { position, data: user.record as unknown as Obj, ...(user.notes.length > 0 ? { notes: user.notes } : {}) }
          : { position, data: {}, error: 'user without an id' };
      }
    }
  }

  async explainEmpty(): Promise<string> {
    const parts = await keycloakParts(this.path, this.realm);
    const first = parts[0];
    if (parts.length === 1 && first && first.pick === 'users') {
      const what = await describeJson(first.path);
      return `${first.path} has no users: it is ${what}. kc.sh export writes users to <realm>-users-<n>.json unless --users realm_file or same_file: give the export folder as source.path`;
    }
    return `the export (${parts.map((p) => p.path).join(', ')}) holds no users`;
  }
}

const PASSWORD_TYPES = new Set(['password']);
/** Credential types read (password-history is only the old hashes Keycloak keeps to refuse reuse). */
const CARRIED_TYPES = new Set(['password', 'password-history', 'otp', 'totp']);

function normalise(u: Obj): { record: NormalisedRecord; notes: string[] } | undefined {
  const id = str(u.id);
  if (!id) return undefined;
  const notes: string[] = [];
  const credentials = arr(u.credentials)
    .map(obj)
    .filter((c): c is Obj => c !== undefined)
    .map(modernCredential)
    // Keycloak orders a user's credentials by priority (lower first).
    .sort((a, b) => (Number(a.priority) || 0) - (Number(b.priority) || 0));
  const password = credentials.find((c) => PASSWORD_TYPES.has(str(c.type) ?? ''));
  const otps = credentials.filter((c) => c.type === 'otp' || c.type === 'totp');
  const mfa = otps.flatMap(otpFactor);
  if (mfa.length < otps.length) notes.push('Keycloak OTP credential that is not TOTP (HOTP) or has no secret: not carried over');
  // WebAuthn keys and the like cannot leave Keycloak; say so rather than drop them unseen.
  const others = [...new Set(credentials.map((c) => str(c.type) ?? '?').filter((t) => !CARRIED_TYPES.has(t)))];
  if (others.length > 0) notes.push(`Keycloak credentials not carried over: ${others.join(', ')}`);
  const attributes = obj(u.attributes);
  const first = (name: string) => str(arr(attributes?.[name])[0]) ?? str(attributes?.[name]);
  const phone = first('phoneNumber') ?? first('phone_number') ?? first('mobile');
  const federation = str(u.federationLink);
  if (federation !== undefined && !password) {
    notes.push(`Keycloak user from a user-storage provider (federationLink ${federation.slice(0, 40)}): the password is in that directory, not in the export`);
  }
  const actions = arr(u.requiredActions).flatMap((a) => (typeof a === 'string' && a !== '' ? [a] : []));
  if (actions.length > 0) notes.push(`Keycloak required actions not carried over: ${actions.join(', ')}`);
  const record = compact<NormalisedRecord>({
    sourceId: id,
    status: bool(u.enabled) === false ? 'disabled' : 'active',
    email: str(u.email),
    emailVerified: bool(u.emailVerified),
    phone,
    username: str(u.username),
    name: compact({ given: str(u.firstName), family: str(u.lastName) }),
    locale: first('locale'),
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
  return { record, notes };
}

/**
 * Keycloak before 11 exported `hashedSaltedValue`, `salt`, `hashIterations`, `algorithm` (and
 * `value`, `digits`, `period` for OTP) on the credential itself; later ones use the JSON-encoded
 * `secretData`/`credentialData`. The old form is rewritten into the new one.
 */
function modernCredential(c: Obj): Obj {
  if (c.secretData !== undefined || c.credentialData !== undefined) return c;
  const type = str(c.type);
  if (type === 'password' && str(c.hashedSaltedValue)) {
    return {
      ...c,
      secretData: JSON.stringify({ value: c.hashedSaltedValue, salt: c.salt ?? '' }),
      credentialData: JSON.stringify({ hashIterations: Number(c.hashIterations), algorithm: str(c.algorithm) ?? 'pbkdf2', additionalParameters: {} }),
    };
  }
  if ((type === 'totp' || type === 'otp') && str(c.value)) {
    return {
      ...c,
      type: 'otp',
      secretData: JSON.stringify({ value: c.value }),
      credentialData: JSON.stringify({ subType: 'totp', digits: Number(c.digits) || 6, period: Number(c.period) || 30, algorithm: str(c.algorithm) ?? 'HmacSHA1' }),
    };
  }
  return c;
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

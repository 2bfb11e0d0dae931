import type { KratosSourceConfig } from '../../config/source.ts';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { describeJson } from '../json/describe.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { jsonItems } from './json-items.ts';
import { arr, bool, compact, obj, str, type Obj } from './util.ts';

const HMAC: Record<string, 'SHA1' | 'SHA256' | 'SHA512'> = { SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512' };

/**
 * Ory Kratos identities: the import JSON of `kratos import identities` / `POST /admin/identities`
 * (one identity or a list), the `PATCH /admin/identities` batch body (`{"identities": [{"create":
 * …}]}`), a `GET /admin/identities?include_credential=password,totp,oidc` listing, or JSON lines.
 * `credentials.password.config.hashed_password` is read in Kratos's dialect (its `$pbkdf2-sha384$`
 * is SHA3, its `$scrypt$ln=` is N); OIDC providers become identities, `totp_url` a TOTP factor.
 */
export class KratosSource implements Source {
  readonly kind = 'kratos';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({ dialect: 'kratos' });

  constructor(
    private readonly config: KratosSourceConfig,
    private readonly path: string,
  ) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    for await (const r of jsonItems(this.path, 'identities', this.config.maxLineLength, signal)) {
      if (r.error !== undefined) {
        yield r;
        continue;
      }
      // The batch body wraps each identity as {"create": …}.
      const identity = obj(r.data.create) ?? r.data;
      const user = normalise(identity, r.position);
      if ('error' in user) yield { position: r.position, data: {}, error: user.error };
      else yield { position: r.position, data: user.record as unknown as Obj, ...(user.notes.length > 0 ? { notes: user.notes } : {}) };
    }
  }

  async explainEmpty(): Promise<string> {
    return `${this.path} holds no Kratos identities: it is ${await describeJson(this.path).catch(() => 'not JSON')}`;
  }
}

/** Kratos traits are schema-defined; these are the spellings of Ory's preset and example schemas. */
function trait(traits: Obj | undefined, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = str(traits?.[n]);
    if (v) return v;
  }
  return undefined;
}

function normalise(i: Obj, position: string): { record: NormalisedRecord; notes: string[] } | { error: string } {
  // An import file may leave the id to Kratos; the first identifier then stands in for it.
  const traits = obj(i.traits);
  const email = trait(traits, 'email', 'emails');
  const username = trait(traits, 'username', 'user_name');
  const phone = trait(traits, 'phone', 'phone_number', 'mobile');
  const id = str(i.id) ?? email ?? username ?? phone;
  if (!id) return { error: `identity at ${position} has no id and no email, username or phone trait` };
  const notes: string[] = [];
  const credentials = obj(i.credentials);
  const passwordConfig = obj(obj(credentials?.password)?.config);
  let password = str(passwordConfig?.hashed_password);
  if (password === undefined && str(passwordConfig?.password) !== undefined) {
    return { error: 'credentials.password.config.password holds a clear-text password, which ciam-migrate does not carry over (hash it, or import the user without it)' };
  }
  if (password === undefined && bool(passwordConfig?.use_password_migration_hook) === true) {
    notes.push('Kratos password migration hook: the password is in the legacy system, not in the file');
    password = undefined;
  }
  const verifiable = arr(i.verifiable_addresses).map(obj).filter((a): a is Obj => a !== undefined);
  const verified = (value: string | undefined) =>
    value === undefined ? undefined : verifiable.some((a) => str(a.value)?.toLowerCase() === value.toLowerCase() && (a.verified === true || str(a.status) === 'completed'));
  const name = traits?.name;
  const nameObj = obj(name);
  const providers = arr(obj(obj(credentials?.oidc)?.config)?.providers).map(obj);
  const totpUrl = str(obj(obj(credentials?.totp)?.config)?.totp_url);
  const record = compact<NormalisedRecord>({
    sourceId: id,
    status: str(i.state) === 'inactive' ? 'disabled' : 'active',
    email,
    emailVerified: verified(email),
    phone,
    phoneVerified: verified(phone),
    username,
    name: compact({
      given: str(nameObj?.first) ?? str(nameObj?.given) ?? trait(traits, 'first_name', 'given_name'),
      family: str(nameObj?.last) ?? str(nameObj?.family) ?? trait(traits, 'last_name', 'family_name'),
      display: typeof name === 'string' && name !== '' ? name : undefined,
    }),
    createdAt: str(i.created_at),
    updatedAt: str(i.updated_at),
    password,
    identities: providers.flatMap((p) =>
      str(p?.provider) && str(p?.subject) ? [{ provider: str(p?.provider) as string, providerUserId: str(p?.subject) as string }] : [],
    ),
    mfa: totpUrl ? totpFactor(totpUrl, notes) : [],
    raw: i,
  });
  return { record, notes };
}

/** `otpauth://totp/Issuer:label?secret=BASE32&algorithm=SHA1&digits=6&period=30`. */
function totpFactor(url: string, notes: string[]): unknown[] {
  try {
    const u = new URL(url);
    const secret = u.searchParams.get('secret');
    if (u.protocol !== 'otpauth:' || u.host !== 'totp' || !secret) throw new Error('not a TOTP URL');
    const digits = Number(u.searchParams.get('digits') ?? 6);
    const period = Number(u.searchParams.get('period') ?? 30);
    const algorithm = HMAC[(u.searchParams.get('algorithm') ?? 'SHA1').toUpperCase()] ?? 'SHA1';
    return [compact({ type: 'totp', secret: secret.toUpperCase().replace(/=+$/, ''), digits, period, algorithm })];
  } catch {
    notes.push('Kratos totp_url is not an otpauth://totp URL: the TOTP factor is not carried over');
    return [];
  }
}

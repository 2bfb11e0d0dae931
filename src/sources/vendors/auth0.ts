import type { Auth0SourceConfig } from '../../config/source.ts';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { readNdjson } from '../json/ndjson.ts';
import { SideTable } from '../side-table.ts';
import type { RawRecord, Source } from '../source.ts';
import { arr, bool, compact, obj, str, type Obj } from './util.ts';

/**
 * Auth0's user export job (NDJSON) joined with the password-hash export Auth0 support hands out
 * (NDJSON: `{"_id":{"$oid":"…"},"passwordHash":"$2b$10$…",…}`). Database users have ids
 * `auth0|<oid>`; the join is on that oid.
 */
export class Auth0Source implements Source {
  readonly kind = 'auth0';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({});

  constructor(
    private readonly config: Auth0SourceConfig,
    private readonly path: string,
    private readonly hashesPath: string | undefined,
  ) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const hashes = this.hashesPath ? await this.indexHashes(this.hashesPath, signal) : undefined;
    try {
      for await (const record of readNdjson(this.path, this.config.maxLineLength, signal)) {
        if (record.error !== undefined) {
          yield record;
          continue;
        }
        const user = normalise(record.data, hashes);
        yield user
          ? { position: record.position, data: user as unknown as Obj }
          : { position: record.position, data: {}, error: 'user_id is missing' };
      }
    } finally {
      hashes?.close();
    }
  }

  private async indexHashes(path: string, signal?: AbortSignal): Promise<SideTable> {
    const table = new SideTable();
    try {
      for await (const r of readNdjson(path, this.config.maxLineLength, signal)) {
        const oid = str(obj(r.data._id)?.$oid) ?? str(r.data._id) ?? str(r.data.user_id);
        const hash = str(r.data.passwordHash);
        if (r.error === undefined && oid && hash) table.add('hash', oid, hash);
      }
      table.seal();
      return table;
    } catch (e) {
      table.close();
      throw e;
    }
  }
}

function normalise(u: Obj, hashes: SideTable | undefined): NormalisedRecord | undefined {
  const id = str(u.user_id);
  if (!id) return undefined;
  const oid = id.includes('|') ? id.slice(id.indexOf('|') + 1) : id;
  const password = id.startsWith('auth0|') ? (hashes?.get('hash', oid)[0] as string | undefined) : undefined;
  const identities = arr(u.identities)
    .map(obj)
    .filter((i): i is Obj => i !== undefined && str(i.provider) !== 'auth0' && str(i.user_id) !== undefined)
    .map((i) => ({
      provider: str(i.connection) ?? (str(i.provider) as string),
      providerUserId: str(i.user_id) as string,
    }));
  const mfa = arr(u.mfa_factors).flatMap((f): unknown[] => {
    const factor = obj(f);
    const totp = str(obj(factor?.totp)?.secret);
    if (totp) return [{ type: 'totp', secret: totp.toUpperCase() }];
    const phone = str(obj(factor?.phone)?.value);
    if (phone) return [{ type: 'sms', value: phone }];
    const email = str(obj(factor?.email)?.value);
    return email ? [{ type: 'email', value: email }] : [];
  });
  return compact<NormalisedRecord>({
    sourceId: id,
    status: bool(u.blocked) ? 'disabled' : 'active',
    email: str(u.email),
    emailVerified: bool(u.email_verified),
    phone: str(u.phone_number),
    phoneVerified: bool(u.phone_verified),
    username: str(u.username),
    name: compact({
      given: str(u.given_name),
      family: str(u.family_name),
      nickname: str(u.nickname),
      display: str(u.name),
    }),
    picture: str(u.picture),
    createdAt: str(u.created_at),
    updatedAt: str(u.updated_at),
    lastLoginAt: str(u.last_login),
    password,
    identities,
    mfa,
    raw: u,
  });
}

import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { CsvSource } from '../csv/index.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { SourceError } from '../source-error.ts';
import { bool, compact, str, type Obj } from './util.ts';

/**
 * The Cognito user CSV: the header of the user import template AWS publishes
 * (`aws cognito-idp get-csv-header`: name, given_name, …, updated_at, cognito:mfa_enabled,
 * cognito:username, plus the pool's `custom:*` attributes), as written by hand or by converting a
 * `list-users` dump (which adds `sub` and `enabled`). Booleans are TRUE/FALSE. Cognito never exports
 * hashes, so every user comes with no password: a forced reset, or the target's lazy migration.
 * Every standard attribute is mapped; `website` and `profile` have no User field and stay under raw.
 */
export class CognitoSource implements Source {
  readonly kind = 'cognito';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({});
  readonly columnPrefix = 'raw.';
  private readonly csv: CsvSource;

  constructor(path: string) {
    this.csv = new CsvSource({
      kind: 'csv',
      path,
      delimiter: ',',
      quote: '"',
      encoding: 'utf8',
      maxFieldLength: 1_000_000,
      maxRecordLines: 100,
    });
  }

  get columns(): readonly string[] | undefined {
    return this.csv.columns;
  }

  explainEmpty(): string {
    return this.csv.explainEmpty();
  }

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    let checked = false;
    for await (const r of this.csv.read(signal)) {
      if (!checked) {
        checked = true;
        const columns = this.csv.columns ?? [];
        if (!columns.includes('cognito:username') && !columns.includes('sub')) {
          throw new SourceError(`the Cognito CSV has neither cognito:username nor sub in its header (columns: ${columns.slice(0, 12).join(', ')})`);
        }
      }
      if (r.error !== undefined) {
        yield r;
        continue;
      }
      const user = normalise(r.data);
      yield user
        ? { position: r.position, data: user as unknown as Obj }
        : { position: r.position, data: {}, error: 'sub and cognito:username are both empty' };
    }
  }
}

function normalise(row: Obj): NormalisedRecord | undefined {
  // `sub` never changes; the username can be an alias in some pools, so it is only the fallback.
  const id = str(row.sub) ?? str(row['cognito:username']);
  if (!id) return undefined;
  const enabled = bool(row.enabled);
  const updated = str(row.updated_at);
  return compact<NormalisedRecord>({
    sourceId: id,
    status: enabled === false ? 'disabled' : 'active',
    email: str(row.email),
    emailVerified: bool(row.email_verified),
    phone: str(row.phone_number),
    phoneVerified: bool(row.phone_number_verified),
    username: str(row.preferred_username) ?? str(row['cognito:username']),
    name: compact({
      given: str(row.given_name),
      family: str(row.family_name),
      middle: str(row.middle_name),
      nickname: str(row.nickname),
      display: str(row.name),
    }),
    picture: str(row.picture),
    locale: str(row.locale),
    zoneinfo: str(row.zoneinfo),
    birthdate: str(row.birthdate),
    gender: str(row.gender),
    address: str(row.address) ? { formatted: str(row.address) as string } : undefined,
    // Cognito keeps updated_at as seconds since the epoch.
    updatedAt: updated && /^\d+$/.test(updated) ? new Date(Number(updated) * 1000).toISOString() : updated,
    raw: row,
  });
}

import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { CsvSource } from '../csv/index.ts';
import type { RawRecord, Source } from '../source.ts';
import { bool, compact, str, type Obj } from './util.ts';

/**
 * The Cognito user CSV (the user-import header layout: `cognito:username`, `email`, …, plus
 * `custom:*`). Cognito never exports hashes, so every user comes with no password and the preset
 * turns that into a forced reset (or the lazy-migration path of the target).
 */
export class CognitoSource implements Source {
  readonly kind = 'cognito';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({});

  constructor(private readonly path: string) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const csv = new CsvSource({
      kind: 'csv',
      path: this.path,
      delimiter: ',',
      quote: '"',
      encoding: 'utf8',
      maxFieldLength: 1_000_000,
      maxRecordLines: 100,
    });
    for await (const r of csv.read(signal)) {
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
    updatedAt:
      str(row.updated_at) && /^\d+$/.test(str(row.updated_at) as string)
        ? new Date(Number(row.updated_at) * 1000).toISOString()
        : str(row.updated_at),
    raw: row,
  });
}

import type { FirebaseSourceConfig } from '../../config/source.ts';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { CsvSource } from '../csv/index.ts';
import { streamJsonArray } from '../json/array.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { describeJson } from '../json/describe.ts';
import { arr, bool, compact, jsonObj, millis, obj, str, type Obj } from './util.ts';

/**
 * The column order of `firebase auth:export --format=csv` (the file has no header row), as
 * firebase-tools src/accountExporter.ts `transUserToArray` writes it. Older releases wrote these 26;
 * current ones add `disabled` and `customAttributes` (28), and every row ends with a comma, so a
 * row has 27 or 29 fields, the last one empty. Each row is read by its own count.
 */
export const FIREBASE_CSV_COLUMNS = [
  'localId',
  'email',
  'emailVerified',
  'passwordHash',
  'salt',
  'displayName',
  'photoUrl',
  'googleId',
  'googleEmail',
  'googleDisplayName',
  'googlePhotoUrl',
  'facebookId',
  'facebookEmail',
  'facebookDisplayName',
  'facebookPhotoUrl',
  'twitterId',
  'twitterEmail',
  'twitterDisplayName',
  'twitterPhotoUrl',
  'githubId',
  'githubEmail',
  'githubDisplayName',
  'githubPhotoUrl',
  'createdAt',
  'lastSignedInAt',
  'phoneNumber',
];
const FIREBASE_CSV_COLUMNS_28 = [...FIREBASE_CSV_COLUMNS, 'disabled', 'customAttributes'];

function firebaseLayout(fields: number): readonly string[] | string {
  if (fields === 26 || fields === 27) return fields === 26 ? FIREBASE_CSV_COLUMNS : [...FIREBASE_CSV_COLUMNS, '_trailing'];
  if (fields === 28 || fields === 29) return fields === 28 ? FIREBASE_CSV_COLUMNS_28 : [...FIREBASE_CSV_COLUMNS_28, '_trailing'];
  return `expected the 26 or 28 columns of firebase auth:export (plus a trailing comma), found ${fields}`;
}

const CSV_PROVIDERS = [
  ['google', 'google.com'],
  ['facebook', 'facebook.com'],
  ['twitter', 'twitter.com'],
  ['github', 'github.com'],
] as const;

/** `firebase auth:export` JSON or CSV; hashes are Firebase's modified scrypt with the project's parameters. */
export class FirebaseSource implements Source {
  readonly kind = 'firebase';
  readonly stableOrder = true;
  readonly defaultMapping;

  constructor(
    private readonly config: FirebaseSourceConfig,
    private readonly path: string,
  ) {
    this.defaultMapping = normalisedPreset(
      config.hash
        ? { format: 'firebase-scrypt', salt: 'passwordSalt', saltEncoding: 'base64', firebase: config.hash }
        : // Without the project parameters a hash cannot be used: reject rather than drop it silently.
          { format: 'firebase-scrypt', salt: 'passwordSalt', saltEncoding: 'base64' },
    );
  }

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const format = this.config.format ?? (this.path.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
    if (format === 'csv') {
      const csv = new CsvSource(
        {
          kind: 'csv',
          path: this.path,
          delimiter: ',',
          quote: '"',
          encoding: 'utf8',
          maxFieldLength: 1_000_000,
          maxRecordLines: 100,
        },
        { columnsFor: firebaseLayout },
      );
      for await (const r of csv.read(signal)) {
        if (r.error !== undefined) yield r;
        else yield this.wrap(r.position, fromCsv(r.data));
      }
      return;
    }
    for await (const event of streamJsonArray(this.path, 'users')) {
      if (signal?.aborted) return;
      if (!event.ok) {
        yield { position: `users[${event.after + 1}]`, data: {}, error: event.error };
        return;
      }
      const u = obj(event.item.value);
      yield this.wrap(`users[${event.item.index}]`, u ? normalise(u) : undefined);
    }
  }

  async explainEmpty(): Promise<string> {
    const format = this.config.format ?? (this.path.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
    if (format === 'csv') return `${this.path} holds no rows of firebase auth:export CSV`;
    return `${this.path} has no users: firebase auth:export JSON is {"users": [...]}, and this is ${await describeJson(this.path)}`;
  }

  private wrap(position: string, user: NormalisedRecord | undefined): RawRecord {
    return user
      ? { position, data: user as unknown as Obj }
      : { position, data: {}, error: 'localId is missing' };
  }
}

function fromCsv(row: Obj): NormalisedRecord | undefined {
  const providerUserInfo = CSV_PROVIDERS.flatMap(([prefix, providerId]) => {
    const rawId = str(row[`${prefix}Id`]);
    return rawId ? [{ providerId, rawId }] : [];
  });
  return normalise({ ...row, providerUserInfo });
}

/** `customAttributes` is the custom claims as a JSON string; it is read into an object under raw. */
function claims(v: unknown): Obj | undefined {
  return jsonObj(v);
}

function normalise(u: Obj): NormalisedRecord | undefined {
  const id = str(u.localId);
  if (!id) return undefined;
  const hash = str(u.passwordHash);
  const custom = claims(u.customAttributes);
  return compact<NormalisedRecord>({
    sourceId: id,
    status: bool(u.disabled) ? 'disabled' : 'active',
    email: str(u.email),
    emailVerified: bool(u.emailVerified),
    phone: str(u.phoneNumber),
    name: compact({ display: str(u.displayName) }),
    picture: str(u.photoUrl),
    createdAt: millis(u.createdAt),
    lastLoginAt: millis(u.lastSignedInAt ?? u.lastLoginAt),
    password: hash,
    passwordSalt: hash ? str(u.salt) : undefined,
    identities: arr(u.providerUserInfo)
      .map(obj)
      .filter(
        (p): p is Obj =>
          p !== undefined &&
          str(p.providerId) !== undefined &&
          str(p.rawId) !== undefined &&
          p.providerId !== 'password' &&
          p.providerId !== 'phone',
      )
      .map((p) => ({
        provider: (str(p.providerId) as string).replace(/\.com$/, ''),
        providerUserId: str(p.rawId) as string,
      })),
    mfa: arr(u.mfaInfo).flatMap((m) => {
      const phone = str(obj(m)?.phoneInfo);
      return phone ? [{ type: 'sms', value: phone }] : [];
    }),
    raw: custom ? { ...u, customAttributes: custom } : u,
  });
}

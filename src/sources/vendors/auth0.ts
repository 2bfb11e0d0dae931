import type { Auth0SourceConfig } from '../../config/source.ts';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { CsvSource } from '../csv/index.ts';
import { streamJsonArray } from '../json/array.ts';
import { describeJson } from '../json/describe.ts';
import { readNdjson } from '../json/ndjson.ts';
import { toRecord } from '../json/record.ts';
import { SourceError } from '../source-error.ts';
import { checkFile, readText } from '../text-file.ts';
import { auth0Password, digestRowFormats, hashExportEntry, isDatabaseUser } from './auth0-hash.ts';
import { SideTable } from '../side-table.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { arr, bool, compact, obj, str, type Obj } from './util.ts';

/**
 * Auth0 users, from any of the files Auth0 hands out (format from `source.format`, else the file):
 * - the user export job in its `json` format (NDJSON) or `csv` format (a header of the requested
 *   field names; every text value written as `'value` per Auth0's CSV-injection escaping), either
 *   possibly gzipped as downloaded;
 * - a bulk-import file (a JSON array, `password_hash` / `custom_password_hash`).
 * The password-hash export Auth0 support provides (one object a line: `_id.$oid` or `user_id`,
 * `passwordHash` or `password_hash`) is joined on the user id. A database user the hash export
 * has no hash for migrates with a forced reset and a note the plan counts.
 */
export class Auth0Source implements Source {
  readonly kind = 'auth0';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({ formatFrom: 'passwordFormat', salt: 'passwordSalt', saltEncoding: 'hex', formats: digestRowFormats() });
  private csv: CsvSource | undefined;

  constructor(
    private readonly config: Auth0SourceConfig,
    private readonly path: string,
    private readonly hashesPath: string | undefined,
  ) {}

  get columns(): readonly string[] | undefined {
    return this.csv?.columns;
  }
  readonly columnPrefix = 'raw.';

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const hashes = this.hashesPath ? await this.indexHashes(this.hashesPath, signal) : undefined;
    try {
      for await (const record of this.records(signal)) {
        if (record.error !== undefined) {
          yield record;
          continue;
        }
        const user = normalise(record.data, hashes, this.format === 'json');
        if ('error' in user) yield { position: record.position, data: {}, error: user.error };
        else yield { position: record.position, data: user.record as unknown as Obj, ...(user.notes.length > 0 ? { notes: user.notes } : {}) };
      }
    } finally {
      hashes?.close();
    }
  }

  /** The first user and the hash export's presence: indexing every hash belongs to the run. */
  async probe(signal?: AbortSignal): Promise<void> {
    if (this.hashesPath) await checkFile(this.hashesPath);
    for await (const record of this.records(signal)) {
      void record;
      return;
    }
    throw new SourceError(`no user records read: ${await this.explainEmpty()}`);
  }

  async explainEmpty(): Promise<string> {
    return `${this.path} holds no Auth0 users (it is ${await describeJson(this.path).catch(() => 'not JSON')})`;
  }

  private format: 'ndjson' | 'json' | 'csv' | undefined;

  private async *records(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const format = this.config.format ?? (await sniffFormat(this.path));
    this.format = format;
    if (format === 'ndjson') {
      yield* readNdjson(this.path, this.config.maxLineLength, signal);
      return;
    }
    if (format === 'json') {
      for await (const event of streamJsonArray(this.path)) {
        if (signal?.aborted) return;
        if (!event.ok) {
          yield { position: `[${event.after + 1}]`, data: {}, error: event.error };
          return;
        }
        yield toRecord(`[${event.item.index}]`, event.item.value);
      }
      return;
    }
    this.csv = new CsvSource({ kind: 'csv', path: this.path, delimiter: ',', quote: '"', encoding: 'utf8', maxFieldLength: 1_000_000, maxRecordLines: 100 });
    for await (const r of this.csv.read(signal)) yield r.error !== undefined ? r : { position: r.position, data: fromCsv(r.data) };
  }

  private async indexHashes(path: string, signal?: AbortSignal): Promise<SideTable> {
    const table = new SideTable();
    try {
      const format = await sniffFormat(path);
      const lines: AsyncIterable<RawRecord> =
        format === 'json'
          ? (async function* () {
              for await (const e of streamJsonArray(path)) if (e.ok) yield toRecord(`[${e.item.index}]`, e.item.value);
            })()
          : readNdjson(path, this.config.maxLineLength, signal);
      let entries = 0;
      for await (const r of lines) {
        const entry = r.error === undefined ? hashExportEntry(r.data) : undefined;
        if (entry) {
          table.add('hash', entry.key, entry.hash);
          entries++;
        }
      }
      if (entries === 0) {
        throw new SourceError(`${path}: no password hash found (expected one object a line with _id.$oid or user_id and passwordHash)`);
      }
      table.seal();
      return table;
    } catch (e) {
      table.close();
      throw e;
    }
  }
}

/** `.csv`/`.csv.gz` is CSV; otherwise a JSON array starts with `[`, NDJSON with `{`. */
async function sniffFormat(path: string): Promise<'ndjson' | 'json' | 'csv'> {
  if (/\.csv(\.gz)?$/i.test(path)) return 'csv';
  for await (const text of readText(path)) {
    const first = /\S/.exec(text)?.[0];
    if (first === undefined) continue;
    return first === '[' ? 'json' : 'ndjson';
  }
  return 'ndjson';
}

/**
 * A CSV export row back into the JSON shape: `identities[0].connection` and `user_metadata.plan`
 * become nested, and the `'` Auth0 puts in front of every text value comes off.
 */
function fromCsv(row: Obj): Obj {
  const out: Obj = {};
  for (const [name, raw] of Object.entries(row)) {
    const value = typeof raw === 'string' && raw.startsWith("'") ? raw.slice(1) : raw;
    if (value === '') continue;
    const parts = name.replace(/\[(\d+)\]/g, '.$1').split('.');
    let node: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      const nextIsIndex = /^\d+$/.test(parts[i + 1] as string);
      const container = node as Record<string, unknown>;
      container[key] ??= nextIsIndex ? [] : {};
      node = container[key] as Record<string, unknown>;
    }
    (node as Record<string, unknown>)[parts[parts.length - 1] as string] = value;
  }
  return out;
}

function normalise(u: Obj, hashes: SideTable | undefined, importFile: boolean): { record: NormalisedRecord; notes: string[] } | { error: string } {
  const notes: string[] = [];
  // A bulk-import file may give no user_id (Auth0 then makes one): the e-mail stands in, as it is
  // unique per connection. An export always has one; a line without it is broken.
  const id = str(u.user_id) ?? (importFile && str(u.email) ? `email:${str(u.email) as string}` : undefined);
  if (!id) return { error: 'user_id is missing' };
  const oid = id.includes('|') ? id.slice(id.indexOf('|') + 1) : id;
  const own = auth0Password(u);
  if (own && 'error' in own) return { error: `password: ${own.error}` };
  let password = own?.hash;
  if (password === undefined && hashes && isDatabaseUser(u)) {
    password = hashes.get('hash', oid)[0] as string | undefined;
    if (password === undefined) notes.push('Auth0 database user without a hash in the password-hash export: must reset');
  }
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
  const record = compact<NormalisedRecord>({
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
    passwordFormat: own?.format,
    passwordSalt: own?.salt,
    identities,
    mfa,
    raw: u,
  });
  return { record, notes };
}

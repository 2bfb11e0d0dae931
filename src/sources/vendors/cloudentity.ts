import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { streamJsonArray } from '../json/array.ts';
import { describeJson } from '../json/describe.ts';
import { SourceError } from '../source-error.ts';
import { SideTable } from '../side-table.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { fromBase64 } from '../../hashes/encoding.ts';
import { digestRowFormats } from './auth0-hash.ts';
import { compact, obj, str, type Obj } from './util.ts';

const STATUS: Record<string, NormalisedRecord['status']> = {
  active: 'active',
  inactive: 'disabled',
  deleted: 'deleted',
  new: 'pending',
};

/**
 * A Cloudentity TenantDump (`GET …/configuration`). Credentials, identifiers, addresses and group
 * memberships sit in their own arrays linked by `user_id`: they are indexed into a temporary table
 * first, then the users are streamed and joined.
 */
export class CloudentitySource implements Source {
  readonly kind = 'cloudentity';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({ formatFrom: 'passwordFormat', salt: 'passwordSalt', saltEncoding: 'hex', formats: digestRowFormats() });

  constructor(
    private readonly path: string,
    private readonly poolId: string | undefined,
  ) {}

  /** The first user of the dump: joining every credential and identifier belongs to the run. */
  async probe(): Promise<void> {
    for await (const event of streamJsonArray(this.path, 'users')) {
      if (!event.ok) throw new SourceError(`${this.path}: ${event.error}`);
      return;
    }
    throw new SourceError(`no user records read: ${await this.explainEmpty()}`);
  }

  async explainEmpty(): Promise<string> {
    const pool = this.poolId === undefined ? '' : ` in pool "${this.poolId}" (source.poolId)`;
    return `${this.path} has no users${pool}: a TenantDump holds them under "users", and this is ${await describeJson(this.path).catch(() => 'not JSON')}`;
  }

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const side = new SideTable();
    try {
      for (const key of [
        'user_credentials',
        'user_identifiers',
        'user_verifiable_addresses',
        'group_members',
        'groups',
      ]) {
        for await (const event of streamJsonArray(this.path, key)) {
          if (!event.ok) {
            yield { position: `${key}[${event.after + 1}]`, data: {}, error: event.error };
            return;
          }
          const item = obj(event.item.value);
          const link = key === 'groups' ? str(item?.id) : str(item?.user_id);
          if (item && link) side.add(key, link, item);
        }
      }
      side.seal();
      for await (const event of streamJsonArray(this.path, 'users')) {
        if (signal?.aborted) return;
        if (!event.ok) {
          yield { position: `users[${event.after + 1}]`, data: {}, error: event.error };
          return;
        }
        const position = `users[${event.item.index}]`;
        const u = obj(event.item.value);
        if (this.poolId !== undefined && u?.user_pool_id !== this.poolId) continue;
        const user = u && normalise(u, side);
        if (!user) yield { position, data: {}, error: 'user without an id' };
        else if ('error' in user) yield { position, data: {}, error: user.error };
        else yield { position, data: user.record as unknown as Obj, ...(user.notes.length > 0 ? { notes: user.notes } : {}) };
      }
    } finally {
      side.close();
    }
  }
}

function normalise(u: Obj, side: SideTable): { record: NormalisedRecord; notes: string[] } | { error: string } | undefined {
  const id = str(u.id);
  if (!id) return undefined;
  const notes: string[] = [];
  const identifiers = side.get('user_identifiers', id).map(obj);
  const addresses = side.get('user_verifiable_addresses', id).map(obj);
  const byType = (list: (Obj | undefined)[], type: string, field: string) =>
    list.find((x) => x?.type === type && str(x?.[field]))?.[field] as string | undefined;
  const email = byType(identifiers, 'email', 'identifier') ?? byType(addresses, 'email', 'address');
  const phone = byType(identifiers, 'mobile', 'identifier') ?? byType(addresses, 'mobile', 'address');
  const verified = (type: string, value: string | undefined) =>
    value === undefined
      ? undefined
      : addresses.some(
          (a) =>
            a?.type === type &&
            str(a?.address)?.toLowerCase() === value.toLowerCase() &&
            a?.verified === true,
        );
  const credentials = side
    .get('user_credentials', id)
    .map(obj)
    .filter((c): c is Obj => c !== undefined);
  // The newest password credential counts; an expired one (or one flagged must_be_reset) is a reset.
  const password = credentials
    .filter((c) => c.type === 'password')
    .sort((a, b) => String(b.updated_at ?? '').localeCompare(String(a.updated_at ?? '')))[0];
  let hash: CloudentityPassword | undefined;
  if (password) {
    if (mustReset(password)) notes.push('Cloudentity password credential expired or must_be_reset: must reset');
    else {
      hash = encodeHash(obj(obj(password.payload)?.hashed_password));
      if (hash && 'error' in hash) return { error: `password: ${hash.error}` };
      if (str(password.state) === 'must_be_changed') notes.push('Cloudentity credential state must_be_changed is not carried over');
    }
  }
  const mfa = credentials.filter((c) => c.type === 'totp').flatMap((c) => {
    const p = obj(c.payload);
    const secret = str(p?.totp_secret) ?? str(p?.secret) ?? str(p?.key);
    if (secret) return [{ type: 'totp', secret: secret.toUpperCase().replace(/=+$/, '') }];
    notes.push('Cloudentity TOTP credential whose payload holds no totp_secret: not carried over');
    return [];
  });
  const payload = obj(u.payload) ?? {};
  const groups = side.get('group_members', id).flatMap((m) => {
    const gid = str(obj(m)?.group_id);
    const group = gid ? obj(side.get('groups', gid)[0]) : undefined;
    return group ? [str(group.path) ?? str(group.name) ?? gid ?? ''] : gid ? [gid] : [];
  });
  const record = compact<NormalisedRecord>({
    sourceId: id,
    status: STATUS[str(u.status) ?? 'active'] ?? 'active',
    email,
    emailVerified: verified('email', email),
    phone,
    phoneVerified: verified('mobile', phone),
    username: byType(identifiers, 'uid', 'identifier'),
    name: compact({
      given: str(payload.given_name),
      family: str(payload.family_name),
      middle: str(payload.middle_name),
      nickname: str(payload.nickname),
      display: str(payload.name),
    }),
    picture: str(payload.picture),
    locale: str(payload.locale),
    createdAt: str(u.created_at),
    updatedAt: str(u.updated_at),
    password: hash && 'hash' in hash ? hash.hash : undefined,
    passwordFormat: hash && 'hash' in hash ? hash.format : undefined,
    passwordSalt: hash && 'hash' in hash ? hash.salt : undefined,
    mfa,
    identities: identifiers.flatMap((x) => {
      const provider = str(obj(x?.metadata)?.provider);
      return x?.type === 'federated' && provider && str(x.identifier)
        ? [{ provider, providerUserId: str(x.identifier) as string }]
        : [];
    }),
    groups: groups.filter((g) => g !== ''),
    raw: { ...u, payload },
  });
  return { record, notes };
}

/** `expires_at` in the past is a forced reset, except the 1900-01-01 "no expiry" sentinel (contracts/cloudentity.md §3). */
function mustReset(c: Obj): boolean {
  if (str(c.state) === 'must_be_reset') return true;
  const expires = str(c.expires_at);
  if (expires === undefined || expires.startsWith('1900-01-01')) return false;
  const t = Date.parse(expires);
  return Number.isFinite(t) && t < Date.now();
}

type CloudentityPassword = { hash: string; format?: string; salt?: string } | { error: string };

/** `function` spellings (`SHA-256`, `sha256`, `SHA256`) → our digest names. */
function digestName(fn: string | undefined, fallback: string): string {
  const m = /^sha-?(1|224|256|384|512)$/i.exec(fn ?? '');
  return m ? `sha${m[1]}` : fallback;
}

/**
 * Salt and digest of a `Hash`: a salt in the config (base64, as the exporter writes it) wins;
 * otherwise `salt_length` bytes of the decoded value are the salt, in front of the digest or, with
 * `salt_after_digest_in_hash`, behind it (the two modes contracts/cloudentity.md §3.2 leaves open).
 */
function split(p: Obj, value: Buffer): { salt: Buffer; digest: Buffer } | undefined {
  const configured = str(p.salt);
  if (configured !== undefined) {
    const salt = fromBase64(configured);
    return salt ? { salt, digest: value } : undefined;
  }
  const n = Number(p.salt_length) || 0;
  if (n <= 0) return { salt: Buffer.alloc(0), digest: value };
  if (n >= value.length) return undefined;
  return p.salt_after_digest_in_hash === true
    ? { salt: value.subarray(value.length - n), digest: value.subarray(0, value.length - n) }
    : { salt: value.subarray(0, n), digest: value.subarray(n) };
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/**
 * Turns a `Hash {config, value}` into what src/hashes reads, for every method of the TenantDump
 * `HashConfig`: bcrypt as it is; pbkdf2 and argon2 as PHC strings; sha and md5 as a hex digest with
 * a per-row format and a hex salt, salt after the password (the order the Cloudentity encoder and
 * emulator assume). Values are base64, the only encoding the contract shows. A config it cannot
 * read is an error the user is rejected with, never a silent reset.
 */
export function encodeHash(h: Obj | undefined): CloudentityPassword | undefined {
  const value = str(h?.value);
  if (!h || !value) return undefined;
  const config = obj(h.config);
  const method = str(config?.method);
  if (method === 'bcrypt') return { hash: value };
  const p = obj(config?.[method ?? '']) ?? {};
  // A full PHC/MCF string needs no config.
  if (value.startsWith('$')) return { hash: value };
  const raw = fromBase64(value);
  if (!raw) return { error: `Cloudentity ${method ?? 'hash'} value is not base64` };
  const parts = split(p, raw);
  if (!parts) return { error: `Cloudentity ${method ?? 'hash'} salt does not fit the value (salt_length)` };
  const { salt, digest } = parts;
  switch (method) {
    case 'pbkdf2': {
      const fn = digestName(str(p.function), 'sha256');
      const iterations = Number(p.number_of_iterations);
      if (!Number.isInteger(iterations) || iterations < 1) return { error: 'Cloudentity pbkdf2 without number_of_iterations' };
      return { hash: `$pbkdf2-${fn}$i=${iterations},l=${digest.length}$${b64(salt)}$${b64(digest)}` };
    }
    case 'argon2':
      // The HashConfig has no variant field: argon2id, v=1.3, as the Cloudentity encoder assumes.
      return { hash: `$argon2id$v=19$m=${str(p.memory_in_kb)},t=${str(p.iterations)},p=${str(p.parallelism)}$${b64(salt)}$${b64(digest)}` };
    case 'sha':
    case 'md5': {
      const algorithm = method === 'md5' ? 'md5' : digestName(str(p.function), 'sha256');
      if (salt.length === 0) return { hash: digest.toString('hex'), format: algorithm };
      return { hash: digest.toString('hex'), format: `${algorithm}:suffix`, salt: salt.toString('hex') };
    }
    default:
      return { error: `Cloudentity hashing method "${(method ?? 'none').slice(0, 20)}" is not one the TenantDump schema defines` };
  }
}

import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { streamJsonArray } from '../json/array.ts';
import { SideTable } from '../side-table.ts';
import type { RawRecord, Source } from '../source.ts';
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
  readonly defaultMapping = normalisedPreset({});

  constructor(
    private readonly path: string,
    private readonly poolId: string | undefined,
  ) {}

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
        yield user
          ? { position, data: user as unknown as Obj }
          : { position, data: {}, error: 'user without an id' };
      }
    } finally {
      side.close();
    }
  }
}

function normalise(u: Obj, side: SideTable): NormalisedRecord | undefined {
  const id = str(u.id);
  if (!id) return undefined;
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
  const password = side
    .get('user_credentials', id)
    .map(obj)
    .find((c) => c?.type === 'password');
  const payload = obj(u.payload) ?? {};
  const groups = side.get('group_members', id).flatMap((m) => {
    const gid = str(obj(m)?.group_id);
    const group = gid ? obj(side.get('groups', gid)[0]) : undefined;
    return group ? [str(group.path) ?? str(group.name) ?? gid ?? ''] : gid ? [gid] : [];
  });
  return compact<NormalisedRecord>({
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
    password: password ? encodeHash(obj(obj(password.payload)?.hashed_password)) : undefined,
    identities: identifiers.flatMap((x) => {
      const provider = str(obj(x?.metadata)?.provider);
      return x?.type === 'federated' && provider && str(x.identifier)
        ? [{ provider, providerUserId: str(x.identifier) as string }]
        : [];
    }),
    groups: groups.filter((g) => g !== ''),
    raw: { ...u, payload },
  });
}

/**
 * Turns a `Hash {config, value}` into a string src/hashes recognises: bcrypt is already one; pbkdf2
 * and argon2 become PHC strings (salt assumed base64 — unconfirmed in the spec). Anything else is
 * passed on as its JSON, which identify rejects by name, so the user is never silently reset.
 */
export function encodeHash(h: Obj | undefined): string | undefined {
  const value = str(h?.value);
  if (!h || !value) return undefined;
  const config = obj(h.config);
  const method = str(config?.method);
  const b64 = (s: string) => s.replace(/=+$/, '');
  if (method === 'bcrypt') return value;
  const p = obj(config?.[method ?? '']);
  const salt = str(p?.salt);
  if (method === 'pbkdf2' && p && salt) {
    const fn = (str(p.function) ?? 'sha256').toLowerCase().replace('-', '');
    return `$pbkdf2-${fn}$i=${str(p.number_of_iterations)},l=${str(p.key_length)}$${b64(salt)}$${b64(value)}`;
  }
  if (method === 'argon2' && p && salt) {
    return `$argon2id$v=19$m=${str(p.memory_in_kb)},t=${str(p.iterations)},p=${str(p.parallelism)}$${b64(salt)}$${b64(value)}`;
  }
  return JSON.stringify({ cloudentityHash: method ?? 'unknown', length: value.length });
}

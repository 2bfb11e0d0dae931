import { isObject, parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { authorize, type CloudentityContext } from './context.ts';
import { ceError } from './errors.ts';
import { checkHashedPassword, checkRecord, SCHEMAS, type Problem } from './schema.ts';
import { indexKey, type Kind, type LinkedRec, type PoolRec, type UserRec } from './store.ts';

export const DUMP_ARRAYS = ['users', 'user_credentials', 'user_identifiers', 'user_verifiable_addresses'] as const;
const KIND_OF: Record<Exclude<(typeof DUMP_ARRAYS)[number], 'users'>, Kind> = {
  user_credentials: 'credentials',
  user_identifiers: 'identifiers',
  user_verifiable_addresses: 'addresses',
};
const MODES = new Set(['ignore', 'fail', 'update']);
const MAX_REPORTED = 50;

type Raw = Record<string, unknown>;

function invalid(problems: Problem[]): Reply {
  return ceError(422, `${problems.length} validation error(s): ${problems[0]?.path} ${problems[0]?.message}`, {
    errors: problems.slice(0, MAX_REPORTED),
  });
}

/**
 * `PUT …/configuration`: the whole request is checked before anything is written, so an error
 * leaves the store untouched and a client can re-send or split the batch.
 */
export function handleImport(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['manage_configuration']);
  if (!auth.ok) return auth.reply;
  const { options, store } = ctx;
  const tid = options.tenant;
  const mode = req.query.get('mode') ?? 'update';
  if (!MODES.has(mode)) return ceError(400, `invalid mode ${mode}: ignore, fail or update expected`);
  const parsed = parseJson(req.body);
  if (!parsed.ok) return ceError(400, 'malformed JSON body');
  if (!isObject(parsed.value)) return ceError(400, 'TenantDump object expected');
  const dump = parsed.value;

  const problems: Problem[] = [];
  const arrays: Record<(typeof DUMP_ARRAYS)[number], Raw[]> = { users: [], user_credentials: [], user_identifiers: [], user_verifiable_addresses: [] };
  for (const key of DUMP_ARRAYS) {
    const value = dump[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) problems.push({ path: key, message: 'must be an array' });
    else arrays[key] = value as Raw[];
  }
  if (problems.length > 0) return invalid(problems);
  if (arrays.users.length > options.batchCap) {
    return ceError(options.batchCapStatus, `at most ${options.batchCap} users per request`, { limit: options.batchCap });
  }

  for (const key of DUMP_ARRAYS) {
    const seen = new Set<string>();
    arrays[key].forEach((rec, i) => {
      checkRecord(rec, SCHEMAS[key], options.requiredFields, `${key}[${i}]`, problems);
      if (!isObject(rec)) return;
      if (typeof rec['id'] === 'string') {
        if (seen.has(rec['id'])) problems.push({ path: `${key}[${i}].id`, message: 'duplicate id in request' });
        seen.add(rec['id']);
      }
      if (rec['tenant_id'] !== undefined && rec['tenant_id'] !== tid) problems.push({ path: `${key}[${i}].tenant_id`, message: `must be ${tid}` });
    });
  }
  arrays.user_credentials.forEach((rec, i) => {
    if (!isObject(rec) || rec['type'] !== 'password' || !isObject(rec['payload'])) return;
    checkHashedPassword(rec['payload']['hashed_password'], `user_credentials[${i}].payload.hashed_password`, problems);
  });
  for (const [key, field] of [['user_identifiers', 'identifier'], ['user_verifiable_addresses', 'address']] as const) {
    arrays[key].forEach((rec, i) => {
      const value = rec[field];
      const lc = rec[`${field}_lc`];
      if (typeof value === 'string' && typeof lc === 'string' && lc !== value.toLowerCase()) {
        problems.push({ path: `${key}[${i}].${field}_lc`, message: `must be the lower-cased ${field}` });
      }
    });
  }
  if (problems.length > 0) return invalid(problems);

  const pools = new Set<string>(store.pools.keys());
  for (const [i, user] of arrays.users.entries()) {
    if (!pools.has(user['user_pool_id'] as string)) return ceError(404, `identity pool ${String(user['user_pool_id'])} not found`, { path: `users[${i}].user_pool_id` });
  }

  // Links: every sub-record must point at a user in this request or already stored, in that user's pool.
  const batchUsers = new Map<string, Raw>(arrays.users.map((u) => [u['id'] as string, u]));
  const children: Array<{ kind: Kind; rec: LinkedRec }> = [];
  for (const key of ['user_credentials', 'user_identifiers', 'user_verifiable_addresses'] as const) {
    arrays[key].forEach((rec, i) => {
      const userId = rec['user_id'] as string;
      const owner = batchUsers.get(userId) ?? store.users.get(userId);
      if (owner === undefined) return void problems.push({ path: `${key}[${i}].user_id`, message: `user ${userId} not found` });
      const pool = owner['user_pool_id'] as string;
      if (rec['user_pool_id'] !== undefined && rec['user_pool_id'] !== pool) {
        return void problems.push({ path: `${key}[${i}].user_pool_id`, message: `must be the pool of user ${userId}` });
      }
      const filled: Raw = { ...rec, tenant_id: tid, user_pool_id: pool };
      if (key === 'user_identifiers' && filled['identifier_lc'] === undefined) filled['identifier_lc'] = String(rec['identifier']).toLowerCase();
      if (key === 'user_verifiable_addresses' && filled['address_lc'] === undefined) filled['address_lc'] = String(rec['address']).toLowerCase();
      children.push({ kind: KIND_OF[key], rec: filled as LinkedRec });
    });
  }
  if (problems.length > 0) return invalid(problems);

  const exists = (kind: Kind | 'users', id: string): boolean => (kind === 'users' ? store.users.has(id) : store.map(kind).has(id));
  if (mode === 'fail') {
    const clash = arrays.users.find((u) => exists('users', u['id'] as string)) ?? children.find((c) => exists(c.kind, c.rec.id))?.rec;
    if (clash !== undefined) return ceError(409, `record ${String(clash['id'])} already exists`, { id: clash['id'] });
  }
  const users = mode === 'ignore' ? arrays.users.filter((u) => !exists('users', u['id'] as string)) : arrays.users;
  const toWrite = mode === 'ignore' ? children.filter((c) => !exists(c.kind, c.rec.id)) : children;

  for (const user of users) {
    if (ctx.faults?.userFails(user['id'] as string) === true) return ceError(422, `user ${String(user['id'])} rejected`, { user_id: user['id'] });
  }

  const replaced = new Set(options.reimportReplacesSubentries && mode === 'update' ? users.map((u) => u['id'] as string) : []);
  const claimed = new Map<string, LinkedRec>();
  for (const { kind, rec } of toWrite) {
    if (kind !== 'identifiers') continue;
    const key = indexKey(rec.user_pool_id, rec['identifier_lc']);
    const inBatch = claimed.get(key);
    if (inBatch !== undefined && inBatch.id !== rec.id) return conflict(rec);
    claimed.set(key, rec);
    const owner = store.identifierOwner(rec.user_pool_id, rec['identifier_lc'] as string);
    if (owner !== undefined && owner.id !== rec.id && !(owner.user_id === rec.user_id && replaced.has(rec.user_id))) return conflict(rec);
  }

  const now = new Date(options.clock()).toISOString();
  for (const raw of users) {
    const user = { ...raw, tenant_id: tid, status: raw['status'] ?? 'active' } as UserRec;
    if (store.users.has(user.id)) ctx.stats.usersUpdated++;
    else ctx.stats.usersCreated++;
    user['updated_at'] ??= now;
    user['created_at'] ??= now;
    store.putUser(user);
  }
  if (replaced.size > 0) {
    const incoming = new Set(toWrite.map((c) => c.rec.id));
    for (const userId of replaced) {
      for (const kind of ['credentials', 'identifiers', 'addresses'] as const) {
        for (const id of [...store.childIds(userId, kind)]) if (!incoming.has(id)) store.removeChild(kind, id);
      }
    }
  }
  for (const { kind, rec } of toWrite) store.putChild(kind, rec);
  return { status: 204 };
}

function conflict(rec: LinkedRec): Reply {
  return ceError(409, `identifier ${String(rec['identifier'])} already exists in pool ${rec.user_pool_id}`, {
    identifier_lc: rec['identifier_lc'],
    id: rec.id,
  });
}

/** `GET …/configuration`: everything of the tenant as one TenantDump. */
export function handleExport(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ctx.options.exportScopes);
  if (!auth.ok) return auth.reply;
  const { store } = ctx;
  return {
    status: 200,
    body: {
      pools: [...store.pools.values()] satisfies PoolRec[],
      users: [...store.users.values()],
      user_credentials: [...store.credentials.values()],
      user_identifiers: [...store.identifiers.values()],
      user_verifiable_addresses: [...store.addresses.values()],
    },
  };
}

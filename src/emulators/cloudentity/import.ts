import { isObject, parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { authorize, type CloudentityContext } from './context.ts';
import { ceError } from './errors.ts';
import { checkHashedPassword, checkRecord, SCHEMAS, type Problem } from './schema.ts';
import type { Kind, LinkedRec, PoolRec, UserRec } from './store.ts';

export const DUMP_ARRAYS = ['users', 'user_credentials', 'user_identifiers', 'user_verifiable_addresses'] as const;
type DumpArray = (typeof DUMP_ARRAYS)[number];
const CHILD_ARRAYS = ['user_credentials', 'user_identifiers', 'user_verifiable_addresses'] as const;
const KIND_OF: Record<(typeof CHILD_ARRAYS)[number], Kind> = {
  user_credentials: 'credentials',
  user_identifiers: 'identifiers',
  user_verifiable_addresses: 'addresses',
};
const MODES = new Set(['ignore', 'fail', 'update']);
const MAX_REPORTED = 50;

type Raw = Record<string, unknown>;
type Arrays = Record<DumpArray, Raw[]>;
/** Sub-records to write, per kind, in request order; written credentials first, then identifiers, then addresses. */
type Children = Record<Kind, LinkedRec[]>;

function invalid(problems: Problem[]): Reply {
  return ceError(422, `${problems.length} validation error(s): ${problems[0]?.path} ${problems[0]?.message}`, {
    errors: problems.slice(0, MAX_REPORTED),
  });
}

/**
 * `PUT …/configuration`: the whole request is checked before anything is written, so an error
 * leaves the store untouched and a client can re-send or split the batch. Records are stored as
 * the request's own objects, completed in place (tenant, pool, defaults), never copied.
 */
export function handleImport(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['manage_configuration']);
  if (!auth.ok) return auth.reply;
  const { options, store } = ctx;
  const mode = req.query.get('mode') ?? 'update';
  if (!MODES.has(mode)) return ceError(400, `invalid mode ${mode}: ignore, fail or update expected`);
  const parsed = parseJson(req.body);
  if (!parsed.ok) return ceError(400, 'malformed JSON body');
  if (!isObject(parsed.value)) return ceError(400, 'TenantDump object expected');

  const problems: Problem[] = [];
  const arrays = readArrays(parsed.value, problems);
  if (problems.length > 0) return invalid(problems);
  if (arrays.users.length > options.batchCap) {
    return ceError(options.batchCapStatus, `at most ${options.batchCap} users per request`, { limit: options.batchCap });
  }
  checkRecords(ctx, arrays, problems);
  if (problems.length > 0) return invalid(problems);

  for (let i = 0; i < arrays.users.length; i++) {
    const user = arrays.users[i] as Raw;
    if (!store.pools.has(user['user_pool_id'] as string)) return ceError(404, `identity pool ${String(user['user_pool_id'])} not found`, { path: `users[${i}].user_pool_id` });
  }
  const children = link(ctx, arrays, problems);
  if (problems.length > 0) return invalid(problems);

  if (mode === 'fail') {
    const clash = arrays.users.find((u) => store.users.has(u['id'] as string)) ?? firstStored(ctx, children);
    if (clash !== undefined) return ceError(409, `record ${String(clash['id'])} already exists`, { id: clash['id'] });
  }
  const users = mode === 'ignore' ? arrays.users.filter((u) => !store.users.has(u['id'] as string)) : arrays.users;
  const toWrite = mode === 'ignore' ? unstored(ctx, children) : children;

  if (ctx.faults !== undefined && ctx.faults.options.userFailureRate > 0) {
    for (const user of users) {
      if (ctx.faults.userFails(user['id'] as string)) return ceError(422, `user ${String(user['id'])} rejected`, { user_id: user['id'] });
    }
  }

  const replaced = options.reimportReplacesSubentries && mode === 'update' ? new Set(users.map((u) => u['id'] as string)) : undefined;
  const taken = identifierConflict(ctx, toWrite.identifiers, replaced);
  if (taken !== undefined) {
    return ceError(409, `identifier ${String(taken['identifier'])} already exists in pool ${taken.user_pool_id}`, {
      identifier_lc: taken['identifier_lc'],
      id: taken.id,
    });
  }

  write(ctx, users, toWrite, replaced);
  return { status: 204 };
}

function readArrays(dump: Raw, problems: Problem[]): Arrays {
  const arrays: Arrays = { users: [], user_credentials: [], user_identifiers: [], user_verifiable_addresses: [] };
  for (const key of DUMP_ARRAYS) {
    const value = dump[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) problems.push({ path: key, message: 'must be an array' });
    else arrays[key] = value as Raw[];
  }
  return arrays;
}

/** Schema, duplicate ids, tenant, password hashes and lower-cased copies, in that order of reporting. */
function checkRecords(ctx: CloudentityContext, arrays: Arrays, problems: Problem[]): void {
  const { requiredFields } = ctx.options;
  const tid = ctx.options.tenant;
  for (const key of DUMP_ARRAYS) {
    const seen = new Set<string>();
    const records = arrays[key];
    for (let i = 0; i < records.length; i++) {
      const rec = records[i];
      checkRecord(rec, SCHEMAS[key], requiredFields, key, i, problems);
      if (!isObject(rec)) continue;
      const id = rec['id'];
      if (typeof id === 'string') {
        if (seen.has(id)) problems.push({ path: `${key}[${i}].id`, message: 'duplicate id in request' });
        seen.add(id);
      }
      if (rec['tenant_id'] !== undefined && rec['tenant_id'] !== tid) problems.push({ path: `${key}[${i}].tenant_id`, message: `must be ${tid}` });
    }
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
}

/**
 * Every sub-record must point at a user in this request or already stored, in that user's pool.
 * Linked records get their tenant, pool and lower-cased copies filled in. Equal strings are made
 * one (a user's id in its sub-records, the instants a user's records repeat, an `_lc` copy equal
 * to its original): values do not change, but each parsed copy would otherwise be kept, and walked
 * by every GC, for as long as the user is stored: a quarter of the import's retained memory.
 */
function link(ctx: CloudentityContext, arrays: Arrays, problems: Problem[]): Children {
  const { store } = ctx;
  const tid = ctx.options.tenant;
  const batchUsers = new Map<string, Raw>();
  const instants = new Map<string, string>();
  for (const u of arrays.users) {
    batchUsers.set(u['id'] as string, u);
    shareInstants(u, USER_INSTANTS, instants);
  }
  const children: Children = { credentials: [], identifiers: [], addresses: [] };
  for (const key of CHILD_ARRAYS) {
    const records = arrays[key];
    const out = children[KIND_OF[key]];
    for (let i = 0; i < records.length; i++) {
      const rec = records[i] as Raw;
      const userId = rec['user_id'] as string;
      const owner = batchUsers.get(userId) ?? store.users.get(userId);
      if (owner === undefined) {
        problems.push({ path: `${key}[${i}].user_id`, message: `user ${userId} not found` });
        continue;
      }
      const pool = owner['user_pool_id'] as string;
      if (rec['user_pool_id'] !== undefined && rec['user_pool_id'] !== pool) {
        problems.push({ path: `${key}[${i}].user_pool_id`, message: `must be the pool of user ${userId}` });
        continue;
      }
      // Assigning keeps the place of a key the record has and appends a missing one, as a copy with these keys would.
      rec['tenant_id'] = tid;
      rec['user_pool_id'] = pool;
      if (key === 'user_identifiers' && rec['identifier_lc'] === undefined) rec['identifier_lc'] = String(rec['identifier']).toLowerCase();
      if (key === 'user_verifiable_addresses' && rec['address_lc'] === undefined) rec['address_lc'] = String(rec['address']).toLowerCase();
      rec['user_id'] = owner['id'];
      shareInstants(rec, CHILD_INSTANTS, instants);
      for (const [field, lc] of LOWER_CASED) {
        const value = rec[field];
        if (typeof value === 'string' && rec[lc] === value) rec[lc] = value;
      }
      out.push(rec as LinkedRec);
    }
  }
  return children;
}

const LOWER_CASED = [['identifier', 'identifier_lc'], ['address', 'address_lc']] as const;
const USER_INSTANTS = ['status_updated_at', 'created_at', 'updated_at'] as const;
const CHILD_INSTANTS = ['created_at', 'updated_at', 'verified_at', 'expires_at'] as const;

/** Points equal instants of one request at one string (see `link`). */
function shareInstants(rec: Raw, fields: readonly string[], seen: Map<string, string>): void {
  for (const field of fields) {
    const value = rec[field];
    if (typeof value !== 'string') continue;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, value);
    else rec[field] = first;
  }
}

function firstStored(ctx: CloudentityContext, children: Children): LinkedRec | undefined {
  for (const kind of ['credentials', 'identifiers', 'addresses'] as const) {
    const map = ctx.store.map(kind);
    const found = children[kind].find((rec) => map.has(rec.id));
    if (found !== undefined) return found;
  }
  return undefined;
}

function unstored(ctx: CloudentityContext, children: Children): Children {
  const keep = (kind: Kind): LinkedRec[] => children[kind].filter((rec) => !ctx.store.map(kind).has(rec.id));
  return { credentials: keep('credentials'), identifiers: keep('identifiers'), addresses: keep('addresses') };
}

/**
 * The first identifier whose `identifier_lc` is taken in its pool, by another record of this
 * request or by a stored one (unless that belongs to the same user, whose sub-entries this
 * import replaces).
 */
function identifierConflict(ctx: CloudentityContext, identifiers: readonly LinkedRec[], replaced: ReadonlySet<string> | undefined): LinkedRec | undefined {
  const claimed = new Map<string, Map<string, LinkedRec>>();
  for (const rec of identifiers) {
    const lc = String(rec['identifier_lc']);
    let pool = claimed.get(rec.user_pool_id);
    if (pool === undefined) {
      pool = new Map();
      claimed.set(rec.user_pool_id, pool);
    }
    const inBatch = pool.get(lc);
    if (inBatch !== undefined && inBatch.id !== rec.id) return rec;
    pool.set(lc, rec);
    const owner = ctx.store.identifierOwner(rec.user_pool_id, rec['identifier_lc'] as string);
    if (owner !== undefined && owner.id !== rec.id && !(owner.user_id === rec.user_id && replaced?.has(rec.user_id) === true)) return rec;
  }
  return undefined;
}

function write(ctx: CloudentityContext, users: readonly Raw[], children: Children, replaced: ReadonlySet<string> | undefined): void {
  const { store, stats } = ctx;
  const tid = ctx.options.tenant;
  const now = new Date(ctx.options.clock()).toISOString();
  const merge = ctx.options.reimportRecords === 'merge';
  for (const user of users) {
    if (store.users.has(user['id'] as string)) stats.usersUpdated++;
    else stats.usersCreated++;
    user['tenant_id'] = tid;
    user['status'] = user['status'] ?? 'active';
    user['updated_at'] ??= now;
    user['created_at'] ??= now;
    if (merge) keepStored(user, store.users.get(user['id'] as string));
    store.putUser(user as UserRec);
  }
  if (replaced !== undefined) dropReplaced(ctx, replaced, children);
  for (const kind of ['credentials', 'identifiers', 'addresses'] as const) {
    for (const rec of children[kind]) {
      if (merge) keepStored(rec, store.map(kind).get(rec.id));
      store.putChild(kind, rec);
    }
  }
}

/** `reimportRecords: merge`: the fields a re-imported record leaves out keep their stored values. */
function keepStored(rec: Raw, stored: Raw | undefined): void {
  if (stored === undefined) return;
  for (const key in stored) if (!(key in rec)) rec[key] = stored[key];
}

/** "Full entries update": a re-imported user loses the sub-records the request does not carry. */
function dropReplaced(ctx: CloudentityContext, replaced: ReadonlySet<string>, children: Children): void {
  const { store } = ctx;
  let incoming: Set<string> | undefined;
  for (const userId of replaced) {
    for (const kind of ['credentials', 'identifiers', 'addresses'] as const) {
      const ids = store.childIds(userId, kind);
      // A new user has none: the common case of a first import skips building `incoming`.
      if (ids.length === 0) continue;
      incoming ??= new Set([...children.credentials, ...children.identifiers, ...children.addresses].map((c) => c.id));
      for (const id of [...ids]) if (!incoming.has(id)) store.removeChild(kind, id);
    }
  }
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

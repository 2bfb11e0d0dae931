import { isObject } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { authorize, type CloudentityContext } from './context.ts';
import { ceError } from './errors.ts';
import type { UserRec } from './store.ts';

/**
 * The System API read routes `verify` and `plan` use besides the per-user GET (identity-system
 * spec, scope `identity`): the pool's users paged by id, one pool, and the tenant's schemas.
 */

type Raw = Record<string, unknown>;

/** An `ExtendedUser`: the user with its identifiers (plain and with their types) and addresses. */
function extendedUser(ctx: CloudentityContext, user: UserRec): Raw {
  const identifiers = ctx.store.childrenOf(user.id, 'identifiers');
  const addresses = ctx.store.childrenOf(user.id, 'addresses');
  return {
    ...user,
    identifiers: identifiers.map((i) => i['identifier']),
    identifiers_with_details: identifiers.map((i) => ({ type: i['type'], value: i['identifier'] })),
    addresses: addresses.map((a) => ({ address: a['address'], verified: a['verified'] === true })),
    // The spec's property name has a space in it.
    'verified addresses': addresses.filter((a) => a['verified'] === true).map((a) => a['address']),
  };
}

/** `query` of the listing: `user_key` (an id, or a prefix/suffix of an identifier), `payload`/`metadata` (exact values, `contains` for arrays). */
function matcher(ctx: CloudentityContext, raw: string | null): ((u: UserRec) => boolean) | Reply | undefined {
  if (raw === null || raw === '') return undefined;
  let q: unknown;
  try {
    q = JSON.parse(raw);
  } catch {
    return ceError(400, 'query must be JSON');
  }
  if (!isObject(q)) return ceError(400, 'query must be a JSON object');
  const key = typeof q['user_key'] === 'string' ? q['user_key'].toLowerCase() : undefined;
  const fits = (have: unknown, want: Raw): boolean =>
    isObject(have) &&
    Object.entries(want).every(([k, v]) => (Array.isArray(have[k]) ? (have[k] as unknown[]).includes(v) : have[k] === v));
  return (u) => {
    if (key !== undefined) {
      const ids = ctx.store.childrenOf(u.id, 'identifiers').map((i) => String(i['identifier_lc']));
      if (u.id !== key && !ids.some((i) => i.startsWith(key) || i.endsWith(key))) return false;
    }
    if (isObject(q['payload']) && !fits(u['payload'], q['payload'])) return false;
    if (isObject(q['metadata']) && !fits(u['metadata'], q['metadata'])) return false;
    return true;
  };
}

/** `GET /system/pools/{ipID}/users?after_user_id&before_user_id&limit&query`, sorted by user id. */
export function listUsers(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['identity']);
  if (!auth.ok) return auth.reply;
  const poolId = req.params['ipID'] as string;
  if (!ctx.store.pools.has(poolId)) return ceError(404, `identity pool ${poolId} not found`);
  const limitRaw = req.query.get('limit');
  const limit = limitRaw === null ? 20 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return ceError(400, 'limit must be an integer from 1 to 100');
  const match = matcher(ctx, req.query.get('query'));
  if (match !== undefined && typeof match !== 'function') return match;
  const ids = ctx.store.sortedUserIds(poolId);
  const after = req.query.get('after_user_id');
  const before = req.query.get('before_user_id');
  let i = after !== null ? upperBound(ids, after) : 0;
  const users: Raw[] = [];
  for (; i < ids.length && users.length < limit; i++) {
    const id = ids[i] as string;
    if (before !== null && id >= before) break;
    const user = ctx.store.users.get(id);
    if (user === undefined || (match !== undefined && !match(user))) continue;
    users.push(extendedUser(ctx, user));
  }
  return { status: 200, body: { users } };
}

/** First index whose id sorts after `id`. */
function upperBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `GET /system/pools/{ipID}`: the pool with its user counts (PoolResponse). */
export function getPool(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['identity']);
  if (!auth.ok) return auth.reply;
  const pool = ctx.store.pools.get(req.params['ipID'] as string);
  if (pool === undefined) return ceError(404, `identity pool ${String(req.params['ipID'])} not found`);
  const n = ctx.store.sortedUserIds(pool.id).length;
  return { status: 200, body: { ...pool, number_of_users: n, number_of_standard_users: n, number_of_jit_users: 0 } };
}

/** `GET /system/schemas` and `GET /system/schemas/{schID}`. */
export function listSchemas(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['identity']);
  if (!auth.ok) return auth.reply;
  return { status: 200, body: { schemas: ctx.options.schemas.map((s) => schemaOf(ctx, s)) } };
}

export function getSchema(ctx: CloudentityContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['identity']);
  if (!auth.ok) return auth.reply;
  const found = ctx.options.schemas.find((s) => s.id === req.params['schID']);
  if (found === undefined) return ceError(404, `schema ${String(req.params['schID'])} not found`);
  return { status: 200, body: schemaOf(ctx, found) };
}

function schemaOf(ctx: CloudentityContext, s: CloudentityContext['options']['schemas'][number]): Raw {
  return { id: s.id, tenant_id: ctx.options.tenant, name: s.name ?? s.id, schema: s.schema, system: s.system ?? false };
}

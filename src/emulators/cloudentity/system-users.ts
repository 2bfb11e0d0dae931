import { randomBytes, randomUUID } from 'node:crypto';
import { pbkdf2Derive } from '../../hashes/primitives.ts';
import { isObject, parseJson } from '../shared/body.ts';
import type { EmuRequest, Handler, Reply } from '../shared/router.ts';
import { authorize, type CloudentityContext } from './context.ts';
import { ceError } from './errors.ts';
import type { IdempotencyCache } from './idempotency.ts';
import { ADDRESS_STATUS, ADDRESS_TYPE, checkField, CONTACT_METHOD, CREDENTIAL_STATE, CREDENTIAL_TYPE, IDENTIFIER_TYPE, USER_STATUS, type FieldType } from './schema.ts';
import type { LinkedRec, UserRec } from './store.ts';

type Raw = Record<string, unknown>;
type UserHandler = (ctx: CloudentityContext, req: EmuRequest, body: Raw, user: UserRec | undefined) => Reply | Promise<Reply>;

/** Required and optional fields of a request body; a missing required one or a wrong type is a 422. */
function validate(body: Raw, fields: Record<string, FieldType>, required: readonly string[]): Reply | undefined {
  for (const f of required) if (body[f] === undefined || body[f] === null) return ceError(422, `${f} is required`, { field: f });
  for (const [f, type] of Object.entries(fields)) {
    if (body[f] === undefined || body[f] === null) continue;
    const problem = checkField(body[f], type);
    if (problem !== undefined) return ceError(422, `${f} ${problem}`, { field: f });
  }
  return undefined;
}

export function userWithData(ctx: CloudentityContext, user: UserRec): Raw {
  const { store } = ctx;
  return {
    ...user,
    identifiers: store.childrenOf(user.id, 'identifiers'),
    verifiable_addresses: store.childrenOf(user.id, 'addresses'),
    // Credentials come back "blurred": never the hash.
    credentials: store.childrenOf(user.id, 'credentials').map(({ payload: _payload, ...rest }) => ({ ...rest, payload: {} })),
  };
}

function withEtag(ctx: CloudentityContext, userId: string, reply: Reply): Reply {
  return { ...reply, headers: { ...reply.headers, etag: ctx.store.etag(userId) } };
}

/**
 * Wraps a per-user System API: tenant, token and `identity` scope, pool, JSON body, the user
 * (when the path names one) with If-Match → 412, and `X-Idempotency-Key` replay for POSTs.
 */
export function systemRoute(ctx: CloudentityContext, idem: IdempotencyCache, needsUser: boolean, fn: UserHandler): Handler {
  return async (req) => {
    const auth = authorize(ctx, req, ['identity']);
    if (!auth.ok) return auth.reply;
    const poolId = req.params['ipID'] as string;
    if (!ctx.store.pools.has(poolId)) return ceError(404, `identity pool ${poolId} not found`);
    let cacheKey: string | undefined;
    const key = req.headers['x-idempotency-key'];
    if (req.method === 'POST' && typeof key === 'string') {
      if (key.length < 32 || key.length > 255) return ceError(400, 'X-Idempotency-Key must be 32 to 255 characters');
      cacheKey = `${auth.token.clientId}\u0000${req.method}\u0000${req.path}\u0000${key}`;
      const replay = idem.replay(cacheKey);
      if (replay !== undefined) return replay;
    }
    let body: Raw = {};
    if (req.body.length > 0) {
      const parsed = parseJson(req.body);
      if (!parsed.ok || !isObject(parsed.value)) return ceError(400, 'malformed JSON body');
      body = parsed.value;
    }
    let user: UserRec | undefined;
    if (needsUser) {
      user = ctx.store.users.get(req.params['userID'] as string);
      if (user === undefined || user.user_pool_id !== poolId) return ceError(404, 'user not found');
      const ifMatch = req.headers['if-match'];
      if (typeof ifMatch === 'string' && ifMatch !== '*' && ifMatch.replace(/^W\//, '') !== ctx.store.etag(user.id)) {
        return ceError(412, 'precondition failed: the user has changed since this ETag');
      }
    }
    const reply = await fn(ctx, req, body, user);
    if (cacheKey !== undefined && reply.status < 500) idem.remember(cacheKey, reply);
    return reply;
  };
}

function nowIso(ctx: CloudentityContext): string {
  return new Date(ctx.options.clock()).toISOString();
}

function identifierTaken(ctx: CloudentityContext, poolId: string, lc: string): boolean {
  return ctx.store.identifierOwner(poolId, lc) !== undefined;
}

/** Per-user create takes a clear-text password; it is stored as a salted PBKDF2 hash (salt inside the value). */
async function passwordCredential(password: string): Promise<Raw> {
  const salt = randomBytes(16);
  const key = await pbkdf2Derive('sha256', password, salt, 1000, 32);
  return {
    hashed_password: {
      config: { method: 'pbkdf2', pbkdf2: { function: 'sha256', number_of_iterations: 1000, key_length: 32, salt: '', salt_length: 16 } },
      value: Buffer.concat([salt, key]).toString('base64'),
    },
  };
}

export const createUser: UserHandler = async (ctx, req, body) => {
  const problem = validate(body, { id: 'string', status: USER_STATUS, payload: 'object', metadata: 'object', business_metadata: 'object' }, ['status']);
  if (problem !== undefined) return problem;
  const poolId = req.params['ipID'] as string;
  const id = typeof body['id'] === 'string' ? body['id'] : randomUUID();
  if (ctx.store.users.has(id)) return ceError(409, `user ${id} already exists`);
  const lists: Record<string, unknown[]> = {};
  for (const k of ['identifiers', 'verifiable_addresses', 'credentials']) {
    const v = body[k] ?? [];
    if (!Array.isArray(v) || !v.every(isObject)) return ceError(422, `${k} must be an array of objects`);
    lists[k] = v;
  }
  const identifiers = lists['identifiers'] as Raw[];
  const addresses = lists['verifiable_addresses'] as Raw[];
  const credentials = lists['credentials'] as Raw[];
  const seen = new Set<string>();
  for (const i of identifiers) {
    const p = validate(i, { identifier: 'string', type: IDENTIFIER_TYPE, metadata: 'object' }, ['identifier', 'type']);
    if (p !== undefined) return p;
    const lc = (i['identifier'] as string).toLowerCase();
    if (seen.has(lc) || identifierTaken(ctx, poolId, lc)) return ceError(409, `identifier ${String(i['identifier'])} already exists`);
    seen.add(lc);
  }
  for (const a of addresses) {
    const p = validate(a, { address: 'string', type: ADDRESS_TYPE, status: ADDRESS_STATUS, verified: 'boolean', preferred_contact_method: CONTACT_METHOD, metadata: 'object' }, ['address', 'type']);
    if (p !== undefined) return p;
  }
  for (const c of credentials) {
    const p = validate(c, { type: CREDENTIAL_TYPE, password: 'string', must_be_reset: 'boolean', must_be_changed: 'boolean', totp_secret: 'string' }, ['type']);
    if (p !== undefined) return p;
    if (c['type'] === 'password' && typeof c['password'] !== 'string') return ceError(422, 'password is required for a password credential');
  }

  const now = nowIso(ctx);
  const base = { tenant_id: ctx.options.tenant, user_pool_id: poolId, user_id: id, created_at: now, updated_at: now };
  const user: Raw = { id, tenant_id: ctx.options.tenant, user_pool_id: poolId, status: body['status'], created_at: now, updated_at: now };
  for (const k of ['payload', 'metadata', 'business_metadata', 'payload_schema_id', 'metadata_schema_id', 'business_metadata_schema_id', 'user_type']) {
    if (body[k] !== undefined) user[k] = body[k];
  }
  const credentialRecs: LinkedRec[] = [];
  for (const c of credentials) {
    const payload = c['type'] === 'password' ? await passwordCredential(c['password'] as string) : c['type'] === 'totp' ? { secret: c['totp_secret'] } : {};
    const state = c['must_be_reset'] === true ? 'must_be_reset' : c['must_be_changed'] === true ? 'must_be_changed' : 'valid';
    credentialRecs.push({ ...base, id: randomUUID(), type: c['type'], state, payload });
  }
  ctx.store.putUser(user as UserRec);
  for (const i of identifiers) {
    ctx.store.putChild('identifiers', { ...base, id: randomUUID(), identifier: i['identifier'], identifier_lc: (i['identifier'] as string).toLowerCase(), type: i['type'], ...(i['metadata'] !== undefined ? { metadata: i['metadata'] } : {}) });
  }
  for (const a of addresses) {
    ctx.store.putChild('addresses', { ...base, ...a, id: randomUUID(), address_lc: (a['address'] as string).toLowerCase(), status: a['status'] ?? 'active', verified: a['verified'] ?? false });
  }
  for (const c of credentialRecs) ctx.store.putChild('credentials', c);
  ctx.stats.usersCreated++;
  return withEtag(ctx, id, { status: 201, body: userWithData(ctx, user as UserRec) });
};

export const getUser: UserHandler = (ctx, _req, _body, user) => withEtag(ctx, user!.id, { status: 200, body: userWithData(ctx, user!) });

export const getUserByKey: UserHandler = (ctx, req, body) => {
  const poolId = req.params['ipID'] as string;
  const hasIdentifier = typeof body['identifier'] === 'string';
  const hasAddress = typeof body['address'] === 'string';
  if (hasIdentifier === hasAddress) return ceError(400, 'exactly one of identifier or address is required');
  let userId: string | undefined;
  if (hasIdentifier) userId = ctx.store.identifierOwner(poolId, (body['identifier'] as string).toLowerCase())?.user_id;
  else {
    const lc = (body['address'] as string).toLowerCase();
    for (const a of ctx.store.addresses.values()) {
      if (a.user_pool_id === poolId && a['address_lc'] === lc && a['verified'] === true) {
        userId = a.user_id;
        break;
      }
    }
  }
  const user = userId !== undefined ? ctx.store.users.get(userId) : undefined;
  if (user === undefined) return ceError(404, 'user not found');
  return withEtag(ctx, user.id, { status: 200, body: userWithData(ctx, user) });
};

export const updateUser: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  const problem = validate(body, { status: USER_STATUS, payload: 'object', metadata: 'object', business_metadata: 'object', payload_schema_id: 'string', metadata_schema_id: 'string', business_metadata_schema_id: 'string' }, []);
  if (problem !== undefined) return problem;
  // Given top-level fields replace the stored ones whole; the others stay.
  for (const k of ['status', 'payload', 'metadata', 'business_metadata', 'payload_schema_id', 'metadata_schema_id', 'business_metadata_schema_id']) {
    if (body[k] !== undefined) u[k] = body[k];
  }
  if (body['status'] !== undefined) u['status_updated_at'] = nowIso(ctx);
  u['updated_at'] = nowIso(ctx);
  ctx.store.putUser(u);
  ctx.stats.usersUpdated++;
  return withEtag(ctx, u.id, { status: 200, body: userWithData(ctx, u) });
};

export const deleteUser: UserHandler = (ctx, _req, _body, user) => {
  ctx.store.deleteUser(user!.id);
  ctx.stats.usersDeleted++;
  return { status: 204 };
};

export const addIdentifier: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  const problem = validate(body, { identifier: 'string', type: IDENTIFIER_TYPE, metadata: 'object' }, ['identifier', 'type']);
  if (problem !== undefined) return problem;
  const lc = (body['identifier'] as string).toLowerCase();
  if (identifierTaken(ctx, u.user_pool_id, lc)) return ceError(409, `identifier ${String(body['identifier'])} already exists`);
  const now = nowIso(ctx);
  const rec: LinkedRec = { id: randomUUID(), tenant_id: u.tenant_id, user_pool_id: u.user_pool_id, user_id: u.id, identifier: body['identifier'], identifier_lc: lc, type: body['type'], created_at: now, updated_at: now };
  if (body['metadata'] !== undefined) rec['metadata'] = body['metadata'];
  ctx.store.putChild('identifiers', rec);
  return withEtag(ctx, u.id, { status: 200, body: rec });
};

export const removeIdentifier: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  if (typeof body['identifier'] !== 'string') return ceError(422, 'identifier is required');
  const owner = ctx.store.identifierOwner(u.user_pool_id, body['identifier'].toLowerCase());
  if (owner === undefined || owner.user_id !== u.id) return ceError(404, 'identifier not found');
  ctx.store.removeChild('identifiers', owner.id);
  return withEtag(ctx, u.id, { status: 204 });
};

function findAddress(ctx: CloudentityContext, userId: string, address: string): LinkedRec | undefined {
  const lc = address.toLowerCase();
  return ctx.store.childrenOf(userId, 'addresses').find((a) => a['address_lc'] === lc);
}

const ADDRESS_FIELDS = { address: 'string', type: ADDRESS_TYPE, status: ADDRESS_STATUS, verified: 'boolean', preferred_contact_method: CONTACT_METHOD, metadata: 'object' } as const;

export const addAddress: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  const problem = validate(body, ADDRESS_FIELDS, ['address', 'type', 'verified']);
  if (problem !== undefined) return problem;
  if (findAddress(ctx, u.id, body['address'] as string) !== undefined) return ceError(409, 'address already exists');
  const now = nowIso(ctx);
  const rec: LinkedRec = { ...body, id: randomUUID(), tenant_id: u.tenant_id, user_pool_id: u.user_pool_id, user_id: u.id, address_lc: (body['address'] as string).toLowerCase(), status: body['status'] ?? 'active', created_at: now, updated_at: now };
  if (body['verified'] === true) rec['verified_at'] = now;
  ctx.store.putChild('addresses', rec);
  return withEtag(ctx, u.id, { status: 200, body: rec });
};

export const updateAddress: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  const problem = validate(body, ADDRESS_FIELDS, ['address', 'status', 'verified']);
  if (problem !== undefined) return problem;
  const current = findAddress(ctx, u.id, body['address'] as string);
  if (current === undefined) return ceError(404, 'address not found');
  const now = nowIso(ctx);
  const rec: LinkedRec = { ...current, ...body, id: current.id, user_id: u.id, user_pool_id: u.user_pool_id, address: current['address'], updated_at: now };
  if (body['verified'] === true && current['verified'] !== true) rec['verified_at'] = now;
  ctx.store.putChild('addresses', rec);
  return withEtag(ctx, u.id, { status: 200, body: rec });
};

export const removeAddress: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  if (typeof body['address'] !== 'string') return ceError(422, 'address is required');
  const current = findAddress(ctx, u.id, body['address']);
  if (current === undefined) return ceError(404, 'address not found');
  ctx.store.removeChild('addresses', current.id);
  return withEtag(ctx, u.id, { status: 204 });
};

export const setPasswordState: UserHandler = (ctx, _req, body, user) => {
  const u = user!;
  const problem = validate(body, { state: CREDENTIAL_STATE }, ['state']);
  if (problem !== undefined) return problem;
  const cred = ctx.store.childrenOf(u.id, 'credentials').find((c) => c['type'] === 'password');
  if (cred === undefined) return ceError(404, 'password credential not found');
  ctx.store.putChild('credentials', { ...cred, state: body['state'], updated_at: nowIso(ctx) });
  return withEtag(ctx, u.id, { status: 204 });
};

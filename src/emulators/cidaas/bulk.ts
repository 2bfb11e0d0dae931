import { randomUUID } from 'node:crypto';
import { parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { authorize, type CidaasContext } from './context.ts';
import { parseEntity, type EntityResult, type EntityRules, type ParsedEntity, type ParsedIdentity } from './entity.ts';
import { CIDAAS_CODE_INVALID_EMAIL, cidaasError } from './errors.ts';
import type { CidaasClient } from './options.ts';
import type { CidaasUser, Identity } from './store.ts';

type ProcessState = Record<string, unknown>;

const KNOWN_ALGORITHM = /^(BCRYPT_([1-9]|1\d|20)|SHA-?(1|224|256|384|512)|MD5|PBKDF2.*|ARGON.*|HMAC.*|CUSTOM_.+)$/i;

export function entityRules(ctx: CidaasContext): EntityRules {
  return {
    disposableDomains: ctx.disposableDomains,
    customFields: ctx.options.customFields,
    knownAlgorithm: (id) => KNOWN_ALGORITHM.test(id) || ctx.options.algorithms[id] !== undefined,
  };
}

/** `POST /users-srv/user/bulk`: validate everything first, so a request-level rejection changes nothing. */
export function handleBulk(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:bulk_user_create']);
  if (!auth.ok) return auth.reply;
  const parsed = parseJson(req.body);
  if (!parsed.ok) return cidaasError(400, 'invalid request body: JSON expected');
  const users = parsed.value;
  if (!Array.isArray(users)) return cidaasError(400, 'request body must be an array of users');
  if (users.length === 0) return cidaasError(400, 'request body must contain at least one user');
  const limit = ctx.options.strict50 ? 50 : ctx.options.maxBatch;
  if (users.length > limit) return cidaasError(413, `at most ${limit} users per request`);

  const rules = entityRules(ctx);
  const results: EntityResult[] = new Array<EntityResult>(users.length);
  for (let i = 0; i < users.length; i++) {
    const r = parseEntity(users[i], rules);
    results[i] = r;
    if (r.ok) continue;
    if (r.problem.kind === 'no-identifier' && ctx.options.missingIdentifierMode === 'request') {
      return cidaasError(400, `user ${i}: ${r.problem.message}`);
    }
    if (r.problem.kind === 'invalid-email' && ctx.options.invalidEmailMode === 'request') {
      return cidaasError(417, r.problem.message, { code: CIDAAS_CODE_INVALID_EMAIL });
    }
  }

  const states: ProcessState[] = new Array<ProcessState>(results.length);
  const now = ctx.options.clock();
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as EntityResult;
    states[i] = r.ok ? apply(ctx, auth.client, r.entity, now) : failed(ctx, r.identifier, r.problem.message);
  }
  const body = { process_states: states };
  return ctx.options.envelope === 'standard' ? { status: 200, body: { success: true, status: 200, data: body } } : { status: 200, body };
}

function failed(ctx: CidaasContext, identifier: Record<string, string>, message: string): ProcessState {
  ctx.stats.usersFailed++;
  return { sub: 'ANONYMOUS', identifier, [ctx.options.stateField]: 'FAILED', message };
}

function state(ctx: CidaasContext, sub: string, identifier: Record<string, string>, value: 'CREATED' | 'UPDATED'): ProcessState {
  if (value === 'CREATED') ctx.stats.usersCreated++;
  else ctx.stats.usersUpdated++;
  return { sub, identifier, [ctx.options.stateField]: value };
}

/** Upsert by `sub`; without one, by (identifier, provider), as the migration docs describe. */
function apply(ctx: CidaasContext, client: CidaasClient, entity: ParsedEntity, now: number): ProcessState {
  const { store } = ctx;
  let existing: CidaasUser | undefined;
  if (entity.sub !== undefined) {
    existing = store.bySub.get(entity.sub);
  } else {
    const owner = store.identifiers.firstOwner(entity.identities);
    if (owner !== undefined) existing = store.bySub.get(owner);
  }
  if (userFails(ctx, entity, existing)) return failed(ctx, entity.identifier, 'user could not be processed');
  if (store.identifiers.conflicts(entity.identities, existing?.sub ?? entity.sub)) {
    return failed(ctx, entity.identifier, 'user identifier already exists');
  }

  if (existing === undefined) {
    // The parsed entity is this request's own, so its objects are stored as they are, not copied.
    const user: CidaasUser = {
      sub: entity.sub ?? randomUUID(),
      userStatus: entity.userStatus,
      account: entity.account,
      identities: entity.identities.map(withIdentityId),
      customFields: entity.customFields,
      createdAt: now,
      updatedAt: now,
    };
    if (entity.password !== undefined) user.password = entity.password;
    store.put(user);
    return state(ctx, user.sub, entity.identifier, 'CREATED');
  }

  let password = entity.password;
  if (password !== undefined && existing.password !== undefined && client.migrationMode !== true) {
    if (ctx.options.passwordOverwriteWithoutMigrationMode === 'fail') {
      return failed(ctx, entity.identifier, 'password can only be overwritten in migrationMode');
    }
    password = undefined;
  }
  store.unindex(existing);
  Object.assign(existing.account, entity.account);
  Object.assign(existing.customFields, entity.customFields);
  if (entity.userStatusGiven && entity.userStatus !== existing.userStatus) {
    existing.userStatus = entity.userStatus;
    if (entity.userStatus !== 'DELETED') {
      store.scheduled.delete(existing.sub);
      delete existing.deletionScheduledAt;
    }
  }
  for (const incoming of entity.identities) {
    const at = existing.identities.findIndex((i) => i.provider === incoming.provider);
    if (at < 0) existing.identities.push(withIdentityId(incoming));
    else {
      const current = existing.identities[at] as Identity;
      existing.identities[at] = { ...current, ...incoming, identityId: stringOr(incoming['identityId'], current.identityId) };
    }
  }
  if (password !== undefined) existing.password = password;
  existing.updatedAt = now;
  store.index(existing);
  return state(ctx, existing.sub, entity.identifier, 'UPDATED');
}

/** Gives a parsed identity (owned by this request, so changed in place) the id it is stored under. */
function withIdentityId(identity: ParsedIdentity): Identity {
  const id = identity['identityId'];
  identity['identityId'] = typeof id === 'string' && id !== '' ? id : randomUUID();
  return identity as Identity;
}

/** Injected per-user failure, sticky per user: keyed by sub, or by identifier for a user without one. */
function userFails(ctx: CidaasContext, entity: ParsedEntity, existing: CidaasUser | undefined): boolean {
  const faults = ctx.faults;
  if (faults === undefined || faults.options.userFailureRate <= 0) return false;
  return faults.userFails(entity.sub ?? existing?.sub ?? JSON.stringify(entity.identifier));
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

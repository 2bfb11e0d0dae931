import { isObject, parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { authorize, type CidaasContext } from './context.ts';
import { emailProblem, matchesType } from './rules.ts';
import { CIDAAS_CODE_INVALID_EMAIL, cidaasError, cidaasOk } from './errors.ts';
import { transitionAllowed } from './status.ts';
import { USER_STATUSES, type CidaasUser, type CidaasUserStatus, type Identity } from './store.ts';

function findUser(ctx: CidaasContext, sub: string | undefined): CidaasUser | undefined {
  if (sub === undefined || sub === '' || sub === 'ANONYMOUS') return undefined;
  return ctx.store.get(sub);
}

/** What the admin GET returns: the stored profile without any credential. */
export function publicView(user: CidaasUser): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...user.account,
    sub: user.sub,
    userStatus: user.userStatus,
    identities: user.identities.map((i) => ({ ...i })),
    customFields: { ...user.customFields },
    createdTime: user.account['createdTime'] ?? new Date(user.createdAt).toISOString(),
    updatedTime: new Date(user.updatedAt).toISOString(),
  };
  if (user.deletionScheduledAt !== undefined) view['deletionScheduledAt'] = new Date(user.deletionScheduledAt).toISOString();
  return view;
}

/** `GET /user-srv/users/{sub}` */
export function handleGetUser(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:users_read']);
  if (!auth.ok) return auth.reply;
  const user = findUser(ctx, req.params['sub']);
  if (user === undefined) return cidaasError(404, 'user not found');
  return cidaasOk(200, publicView(user));
}

/** Moves a user to DELETED with a due date, remembering the status to restore on cancellation. */
export function scheduleDeletion(ctx: CidaasContext, user: CidaasUser): void {
  if (user.deletionScheduledAt !== undefined) return;
  const due = ctx.options.clock() + ctx.options.deletionGraceSeconds * 1000;
  if (user.userStatus !== 'DELETED') user.statusBeforeDeletion = user.userStatus;
  user.userStatus = 'DELETED';
  user.deletionScheduledAt = due;
  ctx.store.scheduled.set(user.sub, due);
}

function cancelDeletion(ctx: CidaasContext, user: CidaasUser): void {
  ctx.store.scheduled.delete(user.sub);
  delete user.deletionScheduledAt;
  delete user.statusBeforeDeletion;
}

/** `PUT /user-srv/users/{sub}`: identity fields by (identityId, provider), custom fields, status. */
export function handlePutUser(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:userupdate', 'cidaas:users_write']);
  if (!auth.ok) return auth.reply;
  const user = findUser(ctx, req.params['sub']);
  if (user === undefined) return cidaasError(404, 'user not found');
  const parsed = parseJson(req.body);
  if (!parsed.ok || !isObject(parsed.value)) return cidaasError(400, 'invalid request body');
  const body = parsed.value;
  const userData = body['userData'];
  if (!isObject(userData)) return cidaasError(400, 'userData is required');
  const provider = userData['provider'];
  if (typeof provider !== 'string' || provider === '') return cidaasError(400, 'userData.provider is required');
  const identityId = userData['identityId'];
  const at = user.identities.findIndex(
    (i) => i.provider === provider && (identityId === undefined || identityId === null || i.identityId === identityId),
  );
  if (at < 0) return cidaasError(400, 'identity not found');

  const status = body['userStatus'];
  if (status !== undefined && status !== null) {
    if (typeof status !== 'string' || !USER_STATUSES.has(status)) return cidaasError(400, 'invalid userStatus');
    if (!transitionAllowed(user.userStatus, status as CidaasUserStatus)) {
      return cidaasError(400, `status change from ${user.userStatus} to ${status} is not allowed`);
    }
  }

  const next: Identity = { ...(user.identities[at] as Identity) };
  for (const [k, v] of Object.entries(userData)) {
    if (k === 'provider' || k === 'identityId' || k === 'sub' || k === 'password' || k === 'password_hash_info') continue;
    if (v === '' || v === null) delete next[k];
    else next[k] = v;
  }
  if (typeof next['email'] === 'string') {
    const problem = emailProblem(next['email'], ctx.disposableDomains);
    if (problem !== undefined) return cidaasError(417, problem, { code: CIDAAS_CODE_INVALID_EMAIL });
  }

  const customFields = body['customFields'];
  const nextFields = { ...user.customFields };
  if (customFields !== undefined && customFields !== null) {
    if (!isObject(customFields)) return cidaasError(417, 'invalid customFields');
    for (const [k, v] of Object.entries(customFields)) {
      const spec = ctx.options.customFields[k];
      if (spec === undefined || spec.enabled === false) return cidaasError(417, `custom field ${k} is not enabled`);
      if (v === '' || v === null) delete nextFields[k];
      else if (!matchesType(v, spec.type)) return cidaasError(417, `invalid value for custom field ${k}`);
      else nextFields[k] = v;
    }
  }

  const identities = user.identities.map((i, n) => (n === at ? next : i));
  if (ctx.store.identifiers.conflicts(identities, user.sub)) return cidaasError(417, 'user identifier already exists');

  ctx.store.unindex(user);
  user.identities = identities;
  ctx.store.index(user);
  user.customFields = nextFields;
  for (const k of ['user_status_reason', 'mfa_enabled']) {
    if (body[k] !== undefined) user.account[k] = body[k];
  }
  if (typeof status === 'string' && status !== user.userStatus) {
    if (status === 'DELETED') scheduleDeletion(ctx, user);
    else {
      if (user.userStatus === 'DELETED') cancelDeletion(ctx, user);
      user.userStatus = status as CidaasUserStatus;
    }
  }
  user.updatedAt = ctx.options.clock();
  ctx.stats.usersUpdated++;
  return cidaasOk(200, { updated: true, sub: user.sub });
}

/** `DELETE /users-srv/user/purge/{sub}`: immediate deletion, 202. */
export function handlePurge(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:users_delete']);
  if (!auth.ok) return auth.reply;
  const user = findUser(ctx, req.params['sub']);
  if (user === undefined) return cidaasError(404, 'user not found');
  ctx.store.delete(user.sub);
  ctx.stats.usersDeleted++;
  return cidaasOk(202, { sub: user.sub, deleted: true });
}

/** `POST /users-srv/user/unregister/scheduler/schedule/{sub}`: deletion after the grace period. */
export function handleScheduleDeletion(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:users_write']);
  if (!auth.ok) return auth.reply;
  const user = findUser(ctx, req.params['sub']);
  if (user === undefined) return cidaasError(404, 'user not found');
  scheduleDeletion(ctx, user);
  return cidaasOk(200, { sub: user.sub, deletion_scheduled_at: new Date(user.deletionScheduledAt ?? 0).toISOString() });
}

/**
 * `POST /users-srv/user/unlink/{identityId}`: removes one identity (a social login) from its user.
 * The cidaas SDKs call it with the user's own token; which admin scope allows it is not documented
 * [?], so `cidaas:users_write` does here. The only identity of a user cannot be unlinked.
 */
export function handleUnlink(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:users_write']);
  if (!auth.ok) return auth.reply;
  const identityId = req.params['identityId'];
  // A linear search: the emulator keeps no index by identity id, and unlinking is rare.
  const user = ctx.store.all().find((u) => u.identities.some((i) => i.identityId === identityId));
  if (user === undefined) return cidaasError(404, 'identity not found');
  if (user.identities.length === 1) return cidaasError(400, 'the only identity of a user cannot be unlinked');
  ctx.store.unindex(user);
  user.identities = user.identities.filter((i) => i.identityId !== identityId);
  ctx.store.index(user);
  user.updatedAt = ctx.options.clock();
  ctx.stats.usersUpdated++;
  return cidaasOk(200, { unlinked: true, sub: user.sub, identityId });
}

import { randomUUID } from 'node:crypto';
import type { CheckedEntity } from './check.ts';
import type { CidaasContext } from './context.ts';
import { buildEntity, type ParsedEntity, type ParsedIdentity } from './entity.ts';
import type { CidaasClient } from './options.ts';
import { failed, succeeded, type ProcessState } from './process-state.ts';
import type { EntityRules } from './rules.ts';
import { PendingUser, type CidaasUser, type Identity } from './store.ts';

/** Upsert by `sub`; without one, by (identifier, provider), as the migration docs describe. */
export function upsert(ctx: CidaasContext, client: CidaasClient, checked: CheckedEntity, now: number): ProcessState {
  const { store } = ctx;
  // The identifier fields of the identities as sent are those they are stored with.
  const identities = checked.flat ? [checked.raw] : (checked.raw['identities'] as Record<string, unknown>[]);
  let existingSub: string | undefined;
  if (checked.sub !== undefined) {
    if (store.has(checked.sub)) existingSub = checked.sub;
  } else {
    const owner = store.identifiers.firstOwner(identities);
    if (owner !== undefined && store.has(owner)) existingSub = owner;
  }
  if (userFails(ctx, checked, existingSub)) return failed(ctx, checked.identifier, 'user could not be processed');
  if (store.identifiers.conflicts(identities, existingSub ?? checked.sub)) {
    return failed(ctx, checked.identifier, 'user identifier already exists');
  }
  if (existingSub === undefined) {
    const sub = checked.sub ?? randomUUID();
    store.putPending(new PendingUser(sub, checked.raw, now), identities);
    return succeeded(ctx, sub, checked.identifier, 'CREATED');
  }
  return update(ctx, client, store.get(existingSub) as CidaasUser, buildEntity(checked, ctx.rules), now);
}

/** The stored form of a user the bulk import created (see PendingUser). */
export function buildPending(pending: PendingUser, rules: EntityRules): CidaasUser {
  const { raw } = pending;
  const entity = buildEntity({ raw, flat: raw['identities'] === undefined, sub: pending.sub, identifier: {} }, rules);
  const user: CidaasUser = {
    sub: pending.sub,
    userStatus: entity.userStatus,
    account: entity.account,
    identities: entity.identities.map(withIdentityId),
    customFields: entity.customFields,
    createdAt: pending.createdAt,
    updatedAt: pending.createdAt,
  };
  if (entity.password !== undefined) user.password = entity.password;
  return user;
}

/** Merges a re-imported entity into the stored user. */
function update(ctx: CidaasContext, client: CidaasClient, existing: CidaasUser, entity: ParsedEntity, now: number): ProcessState {
  const { store } = ctx;
  let password = entity.password;
  if (password !== undefined && existing.password !== undefined && client.migrationMode !== true) {
    if (ctx.options.passwordOverwriteWithoutMigrationMode === 'fail') {
      return failed(ctx, entity.identifier, 'password can only be overwritten in migrationMode');
    }
    password = undefined;
  }
  store.unindex(existing);
  const unassigns = ctx.options.bulkUnassign === 'null-or-empty' ? isBlank : isEmptyString;
  if (ctx.options.bulkReimport === 'replace') {
    existing.account = withoutBlanks(entity.account);
    existing.customFields = withoutBlanks(entity.customFields);
  } else {
    mergeInto(existing.account, entity.account, unassigns);
    mergeInto(existing.customFields, entity.customFields, unassigns);
  }
  if (entity.userStatusGiven && entity.userStatus !== existing.userStatus) {
    existing.userStatus = entity.userStatus;
    if (entity.userStatus !== 'DELETED') {
      store.scheduled.delete(existing.sub);
      delete existing.deletionScheduledAt;
    }
  }
  const kept = ctx.options.bulkReimport === 'replace' ? [] : existing.identities;
  const identities = [...kept];
  for (const incoming of entity.identities) {
    const at = identities.findIndex((i) => i.provider === incoming.provider);
    const before = existing.identities.find((i) => i.provider === incoming.provider);
    const merged: Record<string, unknown> = at < 0 ? {} : { ...(identities[at] as Identity) };
    mergeInto(merged, incoming, unassigns);
    merged['identityId'] = stringOr(incoming['identityId'], before?.identityId ?? randomUUID());
    if (at < 0) identities.push(merged as Identity);
    else identities[at] = merged as Identity;
  }
  existing.identities = identities;
  if (password !== undefined) existing.password = password;
  existing.updatedAt = now;
  store.index(existing);
  return succeeded(ctx, existing.sub, entity.identifier, 'UPDATED');
}

function isBlank(value: unknown): boolean {
  return value === null || value === '';
}

function isEmptyString(value: unknown): boolean {
  return value === '';
}

/** Sent fields overwrite, unassigning ones delete, and a `null` that does not unassign is ignored. */
function mergeInto(target: Record<string, unknown>, incoming: Record<string, unknown>, unassigns: (value: unknown) => boolean): void {
  for (const key in incoming) {
    const value = incoming[key];
    if (unassigns(value)) delete target[key];
    else if (value !== null) target[key] = value;
  }
}

/** A copy without the unassigned (blank) fields. */
function withoutBlanks<T extends Record<string, unknown>>(fields: T): T {
  const out: Record<string, unknown> = {};
  for (const key in fields) if (!isBlank(fields[key])) out[key] = fields[key];
  return out as T;
}

/** Gives a built identity (a fresh object, so changed in place) the id it is stored under. */
function withIdentityId(identity: ParsedIdentity): Identity {
  identity['identityId'] = stringOr(identity['identityId'], randomUUID());
  return identity as Identity;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** Injected per-user failure, sticky per user: keyed by sub, or by identifier for a user without one. */
function userFails(ctx: CidaasContext, checked: CheckedEntity, existingSub: string | undefined): boolean {
  const faults = ctx.faults;
  if (faults === undefined || faults.options.userFailureRate <= 0) return false;
  return faults.userFails(checked.sub ?? existingSub ?? JSON.stringify(checked.identifier));
}

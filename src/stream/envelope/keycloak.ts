import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { millisKey } from '../../model/order-key.ts';
import { isPlainObject, type JsonObject } from '../merge-patch.ts';
import { bad, contentHash, finish, ignored, parseJson, str } from './common.ts';
import type { DecodeContext, RawMessage } from './types.ts';

/**
 * Keycloak admin events (AdminEventRepresentation: `time` in ms, `realmId`, `operationType` CREATE,
 * UPDATE, DELETE or ACTION, `resourceType`, `resourcePath`, `representation` as a JSON string, and
 * `id` in recent versions), as an event-listener SPI posts them. Layout: keycloak/keycloak,
 * js/libs/keycloak-admin-client/src/defs/adminEventRepresentation.ts and userRepresentation.ts.
 *
 * The user's id is in the path (`users/<id>`): a CREATE's representation has none. What the sync can
 * carry is the user itself (`users/<id>`); changes under it that it cannot (a password reset: Keycloak
 * strips credential values from admin events; group, role and credential changes) are dead letters
 * naming what the target misses, never dropped. Events about other resources are ignored and counted.
 */

/** Sub-resources of a user whose events change nothing the target holds. */
const NOT_A_CHANGE = new Set(['logout', 'impersonation', 'execute-actions-email', 'send-verify-email', 'reset-password-email', 'consents', 'sessions', 'offline-sessions']);

/** A UserRepresentation (possibly partial) in the normalised vendor shape: only the fields it has. */
export function normaliseKeycloakUser(rep: JsonObject, id: string): JsonObject {
  const out: JsonObject = { sourceId: id };
  const has = (k: string) => Object.hasOwn(rep, k);
  if (has('username')) out.username = rep.username;
  if (has('email')) out.email = rep.email;
  if (has('emailVerified')) out.emailVerified = rep.emailVerified;
  if (has('enabled')) out.status = rep.enabled === false ? 'disabled' : 'active';
  const name: JsonObject = {};
  if (has('firstName')) name.given = rep.firstName;
  if (has('lastName')) name.family = rep.lastName;
  if (Object.keys(name).length > 0) out.name = name;
  if (typeof rep.createdTimestamp === 'number') out.createdAt = new Date(rep.createdTimestamp).toISOString();
  // A representation's attributes are all of them: one that is missing was removed.
  if (isPlainObject(rep.attributes)) {
    const first = (v: unknown) => (Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null);
    out.phone = first(rep.attributes.phoneNumber ?? rep.attributes.phone_number);
    out.locale = first(rep.attributes.locale);
  }
  if (Array.isArray(rep.federatedIdentities)) {
    out.identities = rep.federatedIdentities.flatMap((f) =>
      isPlainObject(f) && str(f.identityProvider) && str(f.userId) ? [{ provider: str(f.identityProvider), providerUserId: str(f.userId) }] : [],
    );
  }
  if (Array.isArray(rep.groups)) out.groups = rep.groups.flatMap((g) => (typeof g === 'string' && g.length > 1 ? [g.replace(/^\//, '')] : []));
  if (Array.isArray(rep.realmRoles)) out.roles = rep.realmRoles.filter((r) => typeof r === 'string' && r !== '');
  // The representation as sent, for mapping overrides (`raw.attributes.…`); merged like the rest.
  out.raw = rep;
  return out;
}

export function decodeKeycloak(msg: RawMessage, ctx: DecodeContext): IncomingEvent[] {
  const parsed = parseJson(msg);
  if (!parsed.ok) return [bad(msg, parsed.reason)];
  const e = parsed.value;
  if (!isPlainObject(e)) return [bad(msg, 'unparseable: not a Keycloak admin event')];
  const path = str(e.resourcePath) ?? '';
  const m = /^users\/([^/]+)(?:\/(.*))?$/.exec(path);
  const resourceType = str(e.resourceType) ?? (m ? 'USER' : undefined);
  if (!m || (resourceType !== 'USER' && !resourceType?.startsWith('USER'))) return [ignored(`Keycloak admin event on ${resourceType ?? 'an unknown resource'} (not a user)`)];
  if (e.error !== undefined && e.error !== null) return [ignored('Keycloak admin event of a failed operation')];
  const subject = decodeURIComponent(m[1]!);
  const sub = m[2];
  const op = str(e.operationType);
  const time = typeof e.time === 'number' ? e.time : undefined;
  const id = str(e.id) ?? `keycloak:${str(e.realmId) ?? ''}:${time ?? ''}:${path}:${op ?? ''}:${contentHash(JSON.stringify(e))}`;
  if (sub !== undefined) {
    const what = sub.split('/')[0]!;
    if (NOT_A_CHANGE.has(what)) return [ignored(`Keycloak ${what} (not a change of the user's data)`)];
    const reason =
      what === 'reset-password'
        ? 'Keycloak password reset: admin events carry no password hash (Keycloak strips credential values), so the target keeps the previous password; re-export this user, or let lazy migration verify it'
        : `Keycloak change of users/${what} is not carried by the sync: re-run the bulk delta for this user`;
    return [bad(msg, reason, id, subject)];
  }
  const type = op === 'CREATE' ? 'user.created' : op === 'UPDATE' ? 'user.updated' : op === 'DELETE' ? 'user.deleted' : undefined;
  if (type === undefined) return [ignored(`Keycloak ${op ?? 'unknown'} operation on a user`)];
  let rep: unknown = e.representation;
  if (typeof rep === 'string') {
    try {
      rep = JSON.parse(rep) as unknown;
    } catch {
      return [bad(msg, 'Keycloak representation is not JSON', id, subject)];
    }
  }
  if (type !== 'user.deleted' && !isPlainObject(rep)) {
    return [bad(msg, `Keycloak ${op} without a representation: enable "Include representation" in the realm's admin events settings`, id, subject)];
  }
  return [
    finish(
      msg,
      {
        id,
        source: `keycloak:${str(e.realmId) ?? msg.input}`,
        type,
        subject,
        // Milliseconds can tie: the broker's sequence, else arrival order, decides then (docs/events.md).
        version: (time !== undefined ? millisKey(time) : undefined) ?? { error: 'Keycloak admin event without a time' },
        time: time !== undefined ? new Date(time).toISOString() : undefined,
        data: type === 'user.deleted' ? undefined : normaliseKeycloakUser(rep as JsonObject, subject),
        shape: 'normalised',
      },
      {},
      ctx,
    ),
  ];
}

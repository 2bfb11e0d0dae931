import type { UserEventType } from '../../model/event.ts';
import { encodeUint, timeKey } from '../../model/order-key.ts';
import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { isPlainObject, type JsonObject } from '../merge-patch.ts';
import { bad, bodyText, canonicalType, finish, ignored, str } from './common.ts';
import type { DecodeContext, RawMessage } from './types.ts';

/**
 * Auth0 Log Streams, custom webhook: each record is `{log_id, data}` with `data` the log event
 * (`date`, `type`, `user_id`, `user_name`, `details`, …); a request holds a JSON array, JSON lines or
 * one object (the stream's content format). Layout: Auth0's log stream docs and the records in
 * elastic/integrations packages/auth0/data_stream/logs/_dev/test/pipeline/test-signup-success.json.
 *
 * Log events say *that* a user changed, not the user: a signup (`ss`) creates the user with its id,
 * email and username (no password: logs carry none), a deletion (`sdu`) deletes it, a password change
 * (`scp`) is a dead letter (the hash is not in the log: the target keeps the old password until the
 * user is exported again or verified by lazy migration). Other log types are not changes of a user
 * (logins, failures, token exchanges): ignored and counted by type.
 */
export const AUTH0_TYPES: Record<string, UserEventType> = {
  ss: 'user.created',
  sdu: 'user.deleted',
  scp: 'user.password_changed',
};

function records(msg: RawMessage): unknown[] | { error: string } {
  const text = bodyText(msg).trim();
  if (text === '') return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v : [v];
  } catch {
    // JSON lines.
    try {
      return text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } catch {
      return { error: 'unparseable: body is not JSON, a JSON array or JSON lines' };
    }
  }
}

function userData(log: JsonObject, subject: string): JsonObject {
  const body = isPlainObject(log.details) && isPlainObject(log.details.body) ? log.details.body : {};
  const out: JsonObject = { sourceId: subject };
  const email = str(body.email) ?? (str(log.user_name)?.includes('@') ? str(log.user_name) : undefined);
  if (email !== undefined) out.email = email;
  const username = str(body.username) ?? (str(log.user_name) && !str(log.user_name)!.includes('@') ? str(log.user_name) : undefined);
  if (username !== undefined) out.username = username;
  out.raw = { user_id: subject, connection: log.connection, connection_id: log.connection_id };
  return out;
}

export function decodeAuth0(msg: RawMessage, opts: { types: Record<string, UserEventType> }, ctx: DecodeContext): IncomingEvent[] {
  const list = records(msg);
  if (!Array.isArray(list)) return [bad(msg, list.error)];
  const types = { ...AUTH0_TYPES, ...opts.types };
  return list.map((rec, i): IncomingEvent => {
    const one: RawMessage = { ...msg, body: JSON.stringify(rec), transportId: msg.transportId && `${msg.transportId}#${i}` };
    if (!isPlainObject(rec)) return bad(one, 'unparseable: an Auth0 log record is not an object');
    const log = isPlainObject(rec.data) ? rec.data : rec;
    const logType = str(log.type);
    const type = canonicalType(logType, types);
    if (type === undefined || !Object.hasOwn(types, logType ?? '')) return ignored(`Auth0 log type ${logType?.slice(0, 20) ?? '(none)'} (not a change of a user)`);
    const id = str(rec.log_id) ?? str(log.log_id) ?? str(log._id);
    const subject = str(log.user_id);
    if (type === 'user.password_changed') {
      return bad(
        one,
        'Auth0 password change: log events carry no password hash, so the target keeps the previous password; re-export this user, or let lazy migration verify it',
        id,
        subject,
      );
    }
    const date = str(log.date);
    const base = date !== undefined ? timeKey(date) : undefined;
    // Log ids grow with time (Auth0 pages logs by them): they order events of the same millisecond.
    const version = base === undefined ? { error: `Auth0 log date ${date?.slice(0, 40) ?? '(none)'} is not a time` } : id && /^\d{1,99}$/.test(id) ? `${base}\u0001${encodeUint(id)}` : base;
    return finish(
      one,
      {
        id,
        source: `auth0:${str(log.tenant_name) ?? str(log.hostname) ?? msg.input}`,
        type,
        subject,
        version,
        time: date,
        data: type === 'user.deleted' || subject === undefined ? undefined : userData(log, subject),
        shape: 'normalised',
      },
      types,
      ctx,
    );
  });
}

import { createHash } from 'node:crypto';
import { UserEventType, type EventShape, type UserEventType as EventType } from '../../model/event.ts';
import { intKey, sequenceKey, timeKey } from '../../model/order-key.ts';
import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { redactReason } from '../../observe/redact.ts';
import { isPlainObject } from '../merge-patch.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface EventParts {
  id: string | undefined;
  source: string;
  type: string | undefined;
  subject: string | undefined;
  /** The order key (model/order-key.ts), or why there is none. */
  version: string | { error: string };
  time: string | undefined;
  /** What the change says about the user (merged into its state); ignored for deletes. */
  data: unknown;
  shape: EventShape;
}

export const bodyText = (msg: RawMessage): string => (typeof msg.body === 'string' ? msg.body : msg.body.toString('utf8'));

/**
 * A dead letter. Its reason is stored, logged and shown by `status`, and may quote the message (an
 * unknown type, a version that is not one), which may carry a password hash or a secret: it is
 * redacted like a target's reason. The raw payload is kept apart for the operator, never logged.
 */
export function bad(msg: RawMessage, reason: string, id?: string, subject?: string): IncomingEvent {
  const raw = bodyText(msg);
  // Without any id, the content identifies the message, so a redelivered bad message is one dead letter.
  const key = id ?? msg.transportId ?? `sha256:${contentHash(raw)}`;
  return { ok: false, bad: { id: key, source: msg.input, subject, reason: redactReason(reason), raw: raw.slice(0, 65_536) } };
}

/** A message that is not a change of a user (a tombstone, a login log): counted by `reason`, not stored. */
export const ignored = (reason: string): IncomingEvent => ({ ok: false, ignored: reason });

export const contentHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

const EVENT_TYPES: ReadonlySet<string> = new Set(UserEventType.options);
const isEventType = (t: string | undefined): t is EventType => t !== undefined && EVENT_TYPES.has(t);

/** Canonical type from a producer's type: an explicit map first, then the `user.*` suffix. */
export function canonicalType(type: string | undefined, map: Record<string, EventType>): EventType | undefined {
  if (type === undefined) return undefined;
  const mapped = Object.hasOwn(map, type) ? map[type] : undefined;
  if (mapped !== undefined) return mapped;
  if (isEventType(type)) return type;
  const suffix = /(user\.[a-z_]+)$/.exec(type)?.[1];
  return isEventType(suffix) ? suffix : undefined;
}

/**
 * Times that `toISOString` gives back unchanged: UTC with milliseconds, and fields in range. Days
 * past the 28th are left to `Date`, which rolls an impossible one (Feb 30) over into the next month.
 */
const CANONICAL_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * The event's time as `toISOString` writes it (the lag is measured from it), or the current time when
 * it has none or it is not a time. Most producers already send this form: it is recognised without
 * parsing a date (about a microsecond per event on the sync's busiest thread). This is the time of the
 * change, not its order: versions never come from `Date.parse` (see `autoVersionKey`, order-key.ts).
 */
export function eventTime(time: string | undefined, now: () => Date = () => new Date()): string {
  if (time === undefined) return now().toISOString();
  if (CANONICAL_TIME.test(time)) return time;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? now().toISOString() : new Date(ms).toISOString();
}

/**
 * An order key from a version field whose type the producer did not declare: an integer (number or
 * decimal string) orders numerically, an RFC 3339 string as a time, any other string as a string.
 * Never `Date.parse` on anything else: `"a-0001"` is not a date.
 */
export function autoVersionKey(v: unknown, type: 'auto' | 'integer' | 'time' | 'string' = 'auto'): string | { error: string } {
  if (v === undefined || v === null || v === '') return { error: 'missing version' };
  const as = (key: string | undefined, what: string) => key ?? { error: `version ${JSON.stringify(v).slice(0, 40)} is not ${what}` };
  switch (type) {
    case 'integer':
      return as(intKey(v), 'a non-negative integer');
    case 'time':
      return as(typeof v === 'string' ? timeKey(v) : undefined, 'an RFC 3339 time');
    case 'string':
      return as(typeof v === 'string' ? sequenceKey(v) : typeof v === 'number' ? intKey(v) : undefined, 'a string');
    case 'auto': {
      const int = intKey(v);
      if (int !== undefined) return int;
      if (typeof v !== 'string') return { error: `version ${JSON.stringify(v).slice(0, 40)} is neither an integer nor a string` };
      return timeKey(v) ?? as(sequenceKey(v), 'usable (control characters)');
    }
  }
}

export function getPath(obj: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return obj;
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** The legacy id a change's data names, by its shape: `sourceId` for users, the mapping's `sourceId` for records. */
export function subjectOfData(shape: EventShape, data: unknown, ctx: DecodeContext): string | undefined {
  if (!isPlainObject(data)) return undefined;
  if (shape === 'record') return ctx.subjectOf?.(data);
  return str(data.sourceId);
}

/**
 * Validates the parts into an event, or a dead letter naming what is wrong. The data is not mapped
 * here: a partial change only makes a user once merged into the user's state (plan.ts), so what can
 * be checked is the id, the type, the subject, the order key, and that the data is an object.
 */
export function finish(msg: RawMessage, parts: EventParts, types: Record<string, EventType>, ctx: DecodeContext): IncomingEvent {
  const id = str(parts.id) ?? msg.transportId;
  if (id === undefined) return bad(msg, 'missing event id');
  const type = canonicalType(parts.type, types);
  if (type === undefined) return bad(msg, parts.type === undefined ? 'missing event type' : `unknown event type: ${parts.type.slice(0, 100)}`, id);
  const hasData = parts.data !== undefined && parts.data !== null;
  if (hasData && !isPlainObject(parts.data)) return bad(msg, 'data is not an object', id, str(parts.subject));
  const named = hasData ? subjectOfData(parts.shape, parts.data, ctx) : undefined;
  const subject = str(parts.subject) ?? named;
  if (subject === undefined) return bad(msg, 'missing subject (the legacy user id)', id);
  if (named !== undefined && named !== subject) return bad(msg, 'subject and the id in the data differ', id, subject);
  if (!hasData && type !== 'user.deleted') return bad(msg, `${type} without user data`, id, subject);
  if (typeof parts.version !== 'string') return bad(msg, `missing or invalid version: ${parts.version.error}`, id, subject);
  const data = type === 'user.deleted' || !hasData ? undefined : (parts.data as Record<string, unknown>);
  return {
    ok: true,
    event: { id, source: parts.source, type, subject, version: parts.version, time: eventTime(parts.time), ...(data ? { shape: parts.shape, data } : {}) },
  };
}

export function parseJson(msg: RawMessage): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(bodyText(msg)) as unknown };
  } catch {
    return { ok: false, reason: 'unparseable: body is not JSON' };
  }
}

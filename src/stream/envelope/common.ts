import { createHash } from 'node:crypto';
import { UserEventType, type UserEventType as EventType } from '../../model/event.ts';
import { fastUser } from '../../model/fast-user.ts';
import { User } from '../../model/index.ts';
import type { IncomingEvent } from '../../ledger/inbox.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface EventParts {
  id: string | undefined;
  source: string;
  type: string | undefined;
  subject: string | undefined;
  version: unknown;
  time: string | undefined;
  /** The user payload: canonical or a legacy record, per `mapped`. */
  data: unknown;
  mapped: boolean;
}

export function bad(msg: RawMessage, reason: string, id?: string, subject?: string): IncomingEvent {
  const raw = typeof msg.body === 'string' ? msg.body : msg.body.toString('utf8');
  // Without any id, the content identifies the message, so a redelivered bad message is one dead letter.
  const key = id ?? msg.transportId ?? `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
  return { ok: false, bad: { id: key, source: msg.input, subject, reason, raw: raw.slice(0, 65_536) } };
}

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
 * The event's time as `toISOString` writes it, or the current time when it has none or it is not
 * a time. Most producers already send this form: it is recognised without parsing a date (about
 * a microsecond per event on the sync's busiest thread).
 */
export function eventTime(time: string | undefined, now: () => Date = () => new Date()): string {
  if (time === undefined) return now().toISOString();
  if (CANONICAL_TIME.test(time)) return time;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? now().toISOString() : new Date(ms).toISOString();
}

/**
 * A per-user version from what envelopes carry: an integer (or its decimal string), a PostgreSQL
 * LSN `X/Y`, a hex sequence `0x…`, or an ISO time (epoch milliseconds).
 */
export function parseVersion(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'bigint') return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  if (typeof v !== 'string' || v === '') return undefined;
  if (/^\d+$/.test(v)) return parseVersion(Number(v));
  const lsn = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(v);
  if (lsn?.[1] && lsn[2]) return parseInt(lsn[1], 16) * 2 ** 32 + parseInt(lsn[2], 16);
  if (/^0x[0-9A-Fa-f]+$/.test(v)) return parseVersion(Number(v));
  if (/^[0-9A-F]{16}$/.test(v)) return parseVersion(Number(`0x${v}`));
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
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

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** Validate the parts into an event, or a dead letter naming what is wrong. */
export function finish(msg: RawMessage, parts: EventParts, types: Record<string, EventType>, ctx: DecodeContext): IncomingEvent {
  const id = str(parts.id) ?? msg.transportId;
  if (id === undefined) return bad(msg, 'missing event id');
  const type = canonicalType(parts.type, types);
  if (type === undefined) return bad(msg, parts.type === undefined ? 'missing event type' : `unknown event type: ${parts.type.slice(0, 100)}`, id);
  let user: User | undefined;
  if (parts.data !== undefined && parts.data !== null) {
    if (parts.mapped) {
      if (!ctx.mapper) return bad(msg, 'mapped data but no mapping configured', id);
      if (typeof parts.data !== 'object') return bad(msg, 'data is not an object', id);
      const r = ctx.mapper.map({ position: id, data: parts.data as Record<string, unknown> });
      if (!r.ok) {
        if (str(parts.subject) === undefined) return bad(msg, 'missing subject (the legacy user id)', id);
        return bad(msg, `mapping: ${r.reason}`, id, str(parts.subject));
      }
      user = r.user;
    } else {
      const obj = parts.data as Record<string, unknown>;
      if (typeof obj === 'object' && obj.sourceId === undefined && str(parts.subject) === undefined) {
        return bad(msg, 'missing subject (the legacy user id)', id);
      }
      const withId = typeof obj === 'object' && obj.sourceId === undefined && parts.subject !== undefined ? { ...obj, sourceId: parts.subject } : obj;
      // The bulk mapper's fast path (held equal to zod's result by its property tests); zod still
      // decides, and explains, whatever the fast path does not accept.
      const fast = fastUser(withId);
      if (fast !== undefined) {
        user = fast;
      } else {
        const r = User.safeParse(withId);
        if (!r.success) return bad(msg, `invalid user data: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}`.trim(), id, str(parts.subject));
        user = r.data;
      }
    }
  }
  const subject = str(parts.subject) ?? user?.sourceId;
  if (subject === undefined) return bad(msg, 'missing subject (the legacy user id)', id);
  if (user !== undefined && user.sourceId !== subject) return bad(msg, 'subject and data.sourceId differ', id, subject);
  if (user === undefined && type !== 'user.deleted') return bad(msg, `${type} without user data`, id, subject);
  const version = parseVersion(parts.version) ?? parseVersion(parts.time);
  if (version === undefined) return bad(msg, 'missing or invalid version (sequence, version or time)', id, subject);
  return { ok: true, event: { id, source: parts.source, type, subject, version, time: eventTime(parts.time), data: user } };
}

export function parseJson(msg: RawMessage): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    const text = typeof msg.body === 'string' ? msg.body : msg.body.toString('utf8');
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'unparseable: body is not JSON' };
  }
}

export { str };

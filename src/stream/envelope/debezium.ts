import type { UserEventType } from '../../model/event.ts';
import { binlogKey, gtidKey, lsnKey, millisKey } from '../../model/order-key.ts';
import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { isPlainObject } from '../merge-patch.ts';
import { bad, contentHash, finish, ignored, parseJson, str, subjectOfData } from './common.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface RowChangeOptions {
  passwordColumn?: string | undefined;
  emailColumn: string;
  unavailableValuePlaceholder?: string | undefined;
}

export interface RowChange {
  op: 'c' | 'r' | 'u' | 'd';
  before: Record<string, unknown> | null | undefined;
  after: Record<string, unknown> | null | undefined;
}

/** A before image with values beyond the key (REPLICA IDENTITY FULL, MySQL's full row image). */
const hasValue = (row: Record<string, unknown>, col: string) => row[col] !== undefined && row[col] !== null;

/**
 * Row changes carry no semantic type: a changed hash column makes a `password_changed`, a changed
 * email an `email_changed`, when the before image holds those columns (under PostgreSQL's default
 * replica identity it holds the key only: then it is an `updated`, and the apply step still compares
 * the email with what the target has).
 */
export function rowEventType(change: RowChange, opts: RowChangeOptions): UserEventType {
  if (change.op === 'd') return 'user.deleted';
  if (change.op === 'c' || change.op === 'r') return 'user.created';
  const { before, after } = change;
  if (before && after) {
    if (hasValue(before, opts.emailColumn) && before[opts.emailColumn] !== after[opts.emailColumn]) return 'user.email_changed';
    if (opts.passwordColumn && hasValue(before, opts.passwordColumn) && before[opts.passwordColumn] !== after[opts.passwordColumn]) return 'user.password_changed';
  }
  return 'user.updated';
}

/** The row without Debezium's stand-in for unchanged TOASTed values: they are unchanged, not that string. */
function withoutPlaceholders(row: Record<string, unknown>, placeholder: string | undefined): Record<string, unknown> {
  if (placeholder === undefined) return row;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(row)) {
    if (v !== placeholder) continue;
    out ??= { ...row };
    delete out[k];
  }
  return out ?? row;
}

/**
 * The order key of a Debezium change: PostgreSQL's LSN of the change; MySQL/MariaDB's binlog file,
 * position and row (or the GTID and row); only when neither is there, `source.ts_ms` (which ties:
 * the broker's sequence or arrival order then decides, see docs/events.md).
 */
export function debeziumOrderKey(source: Record<string, unknown>, tsMs: unknown): string | { error: string } {
  const connector = str(source.connector);
  if (source.lsn !== undefined && source.lsn !== null && connector !== 'mysql' && connector !== 'mariadb') {
    return lsnKey(source.lsn) ?? { error: `source.lsn ${String(source.lsn).slice(0, 30)} is not an LSN` };
  }
  if (source.file !== undefined && source.file !== null && source.pos !== undefined && source.pos !== null) {
    return binlogKey(source.file, source.pos, source.row ?? 0) ?? { error: 'source.file/pos/row are not a binlog position' };
  }
  if (typeof source.gtid === 'string') return gtidKey(source.gtid, source.row ?? 0) ?? { error: `source.gtid ${source.gtid.slice(0, 60)} is not a GTID` };
  const ms = typeof tsMs === 'number' ? tsMs : typeof tsMs === 'string' && /^\d+$/.test(tsMs) ? Number(tsMs) : undefined;
  // ts_ms is 0 in some snapshots: it orders nothing.
  if (ms !== undefined && ms > 0) return millisKey(ms) ?? { error: 'source.ts_ms is not a time' };
  return { error: 'no position in source (lsn, file/pos, gtid or ts_ms)' };
}

/** The Debezium value payload: under the JsonConverter's schema wrapper or bare. Undefined for a tombstone. */
export function debeziumPayload(root: unknown): Record<string, unknown> | null | undefined {
  if (root === null || root === undefined) return undefined;
  if (!isPlainObject(root)) return null;
  if ('payload' in root && 'schema' in root) return root.payload === null ? undefined : isPlainObject(root.payload) ? root.payload : null;
  return root;
}

/**
 * One Debezium change (the payload's `op`, `before`, `after`, `source`): row images are legacy records
 * (`mapping`). The subject comes from the row by the mapping's `sourceId`: for a delete under
 * PostgreSQL's default replica identity `before` holds only the key columns, which is enough. The id is
 * the change's position (stable when Debezium re-emits it after a restart), not the transport's.
 */
export function decodeRowPayload(msg: RawMessage, payload: Record<string, unknown>, opts: RowChangeOptions, ctx: DecodeContext): IncomingEvent {
  const op = payload.op;
  if (op === 't') return ignored('Debezium truncate (not a change of one user)');
  if (op === 'm') return ignored('Debezium logical decoding message');
  if (op !== 'c' && op !== 'r' && op !== 'u' && op !== 'd') return bad(msg, `unknown Debezium op: ${String(op).slice(0, 10)}`);
  const source = isPlainObject(payload.source) ? payload.source : {};
  const before = isPlainObject(payload.before) ? payload.before : null;
  const afterRaw = isPlainObject(payload.after) ? payload.after : null;
  const after = afterRaw && withoutPlaceholders(afterRaw, opts.unavailableValuePlaceholder);
  const image = op === 'd' ? before : after;
  if (!image) {
    return bad(msg, op === 'd' ? 'delete without a before image (the table has REPLICA IDENTITY NOTHING: use DEFAULT or FULL)' : 'missing after image');
  }
  const subject = subjectOfData('record', image, ctx);
  if (subject === undefined) {
    return bad(
      msg,
      op === 'd'
        ? 'delete: the mapping\'s sourceId is not among the columns of the before image (it holds only the key under REPLICA IDENTITY DEFAULT: map sourceId from the key, or use REPLICA IDENTITY FULL)'
        : 'missing subject: the mapping\'s sourceId is not in the row',
    );
  }
  const tsMs = source.ts_ms ?? payload.ts_ms;
  const version = debeziumOrderKey(source, tsMs);
  const position = typeof version === 'string' ? version : `${msg.transportId ?? contentHash(JSON.stringify(payload))}`;
  const table = [str(source.db), str(source.schema), str(source.table)].filter(Boolean).join('.');
  const id = `${str(source.name) ?? msg.input}:${table}:${position}:${subject}:${op}`;
  const ms = typeof tsMs === 'number' && tsMs > 0 ? tsMs : undefined;
  return finish(
    msg,
    {
      id,
      source: `debezium:${str(source.name) ?? msg.input}`,
      type: rowEventType({ op, before, after }, opts),
      subject,
      version,
      time: ms !== undefined ? new Date(ms).toISOString() : undefined,
      data: op === 'd' ? undefined : after,
      shape: 'record',
    },
    {},
    ctx,
  );
}

/**
 * A Debezium change event as a message value: `{schema, payload}` (JsonConverter with
 * `schemas.enable=true`) or the bare payload (`schemas.enable=false`). A null value is the tombstone
 * Debezium writes after a delete for Kafka compaction: not a change, counted as ignored.
 */
export function decodeDebezium(msg: RawMessage, opts: RowChangeOptions, ctx: DecodeContext): IncomingEvent[] {
  const body = (typeof msg.body === 'string' ? msg.body : msg.body.toString('utf8')).trim();
  if (body === '' || body === 'null') return [ignored('Debezium tombstone (null value after a delete)')];
  const parsed = parseJson(msg);
  if (!parsed.ok) return [bad(msg, parsed.reason)];
  const payload = debeziumPayload(parsed.value);
  if (payload === undefined) return [ignored('Debezium tombstone (null value after a delete)')];
  if (payload === null) return [bad(msg, 'unparseable: not a Debezium event')];
  return [decodeRowPayload(msg, payload, opts, ctx)];
}

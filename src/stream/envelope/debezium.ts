import type { UserEventType } from '../../model/event.ts';
import type { IncomingEvent } from '../../ledger/inbox.ts';
import { bad, finish, parseJson, parseVersion, str } from './common.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface RowChangeOptions {
  passwordColumn?: string | undefined;
  emailColumn: string;
}

export interface RowChange {
  op: 'c' | 'r' | 'u' | 'd';
  before: Record<string, unknown> | null | undefined;
  after: Record<string, unknown> | null | undefined;
}

/**
 * Row changes carry no semantic type: a changed hash column makes a `password_changed`, a changed
 * email an `email_changed` (the apply step compares email against what the target has anyway).
 */
export function rowEventType(change: RowChange, opts: RowChangeOptions): UserEventType {
  if (change.op === 'd') return 'user.deleted';
  if (change.op === 'c' || change.op === 'r') return 'user.created';
  const { before, after } = change;
  if (before && after) {
    if (before[opts.emailColumn] !== after[opts.emailColumn]) return 'user.email_changed';
    if (opts.passwordColumn && before[opts.passwordColumn] !== after[opts.passwordColumn]) return 'user.password_changed';
  }
  return 'user.updated';
}

/** Debezium change event (`{schema, payload}` or the bare payload); row images go through `mapping`. */
export function decodeDebezium(msg: RawMessage, opts: RowChangeOptions, ctx: DecodeContext): IncomingEvent | null {
  const body = typeof msg.body === 'string' ? msg.body : msg.body.toString('utf8');
  // Debezium follows a delete with a null-valued tombstone for Kafka compaction: nothing to apply.
  if (body.trim() === '' || body.trim() === 'null') return null;
  const parsed = parseJson(msg);
  if (!parsed.ok) return bad(msg, parsed.reason);
  const root = parsed.value as Record<string, unknown> | null;
  if (root === null || typeof root !== 'object') return bad(msg, 'unparseable: not a Debezium event');
  const payload = (root.payload !== undefined && root.schema !== undefined ? root.payload : root) as Record<string, unknown> | null;
  if (payload === null || typeof payload !== 'object') return null;
  const op = payload.op;
  if (op !== 'c' && op !== 'r' && op !== 'u' && op !== 'd') return bad(msg, `unknown Debezium op: ${String(op).slice(0, 10)}`);
  const source = (payload.source ?? {}) as Record<string, unknown>;
  const before = payload.before as Record<string, unknown> | null | undefined;
  const after = payload.after as Record<string, unknown> | null | undefined;
  const image = op === 'd' ? before : after;
  if (!image) return bad(msg, op === 'd' ? 'delete without a before image (set REPLICA IDENTITY FULL)' : 'missing after image');
  const mapped = ctx.mapper?.map({ position: 'debezium', data: image });
  const subject = mapped?.ok ? mapped.user.sourceId : undefined;
  const position = str(source.lsn) ?? str(source.pos) ?? str(source.gtid) ?? str(source.ts_ms);
  const id = msg.transportId ?? `${str(source.name) ?? 'debezium'}:${str(source.table) ?? ''}:${position ?? ''}:${str(source.txId) ?? ''}:${subject ?? ''}:${op}`;
  const tsMs = parseVersion(source.ts_ms) ?? parseVersion(payload.ts_ms);
  return finish(
    msg,
    {
      id,
      source: `debezium:${str(source.name) ?? msg.input}`,
      type: rowEventType({ op, before, after }, opts),
      subject: subject ?? (op === 'd' && mapped && !mapped.ok ? undefined : subject),
      version: source.lsn ?? tsMs,
      time: tsMs !== undefined ? new Date(tsMs).toISOString() : undefined,
      data: op === 'd' ? undefined : image,
      mapped: true,
    },
    {},
    ctx,
  );
}

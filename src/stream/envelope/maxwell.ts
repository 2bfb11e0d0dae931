import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { binlogKey, gtidKey, maxwellKey } from '../../model/order-key.ts';
import { isPlainObject } from '../merge-patch.ts';
import { bad, contentHash, finish, ignored, parseJson, str, subjectOfData } from './common.ts';
import { rowEventType } from './debezium.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface MaxwellOptions {
  table?: string | undefined;
  passwordColumn?: string | undefined;
  emailColumn: string;
}

/**
 * Maxwell's Daemon rows: `{database, table, type, ts, xid, xoffset, commit, position, gtid, data, old}`
 * (zendesk/maxwell docs, "Output format"). `type` is insert, update, delete, bootstrap-insert (a table
 * snapshot), or a DDL / bootstrap marker (ignored). Rows of one transaction share `xid`, so an
 * event's id and order are per row: the binlog position (`output_binlog_position`) with the row's
 * offset in its transaction (`xoffset`), else the transaction time, `xid` and `xoffset`.
 */
export function decodeMaxwell(msg: RawMessage, opts: MaxwellOptions, ctx: DecodeContext): IncomingEvent[] {
  const parsed = parseJson(msg);
  if (!parsed.ok) return [bad(msg, parsed.reason)];
  const r = parsed.value;
  if (!isPlainObject(r)) return [bad(msg, 'unparseable: not a Maxwell row')];
  const kind = str(r.type);
  const table = `${str(r.database) ?? ''}.${str(r.table) ?? ''}`;
  if (opts.table !== undefined && opts.table !== table && opts.table !== str(r.table)) return [ignored(`Maxwell row of another table (${table.slice(0, 60)})`)];
  const op = kind === 'insert' ? 'c' : kind === 'bootstrap-insert' ? 'r' : kind === 'update' ? 'u' : kind === 'delete' ? 'd' : undefined;
  if (op === undefined) return [ignored(`Maxwell ${kind?.slice(0, 30) ?? 'message'} (not a row change)`)];
  const data = isPlainObject(r.data) ? r.data : undefined;
  if (!data) return [bad(msg, 'Maxwell row without data')];
  const subject = subjectOfData('record', data, ctx);
  if (subject === undefined) return [bad(msg, "missing subject: the mapping's sourceId is not in the row")];
  // `old` holds the previous values of the changed columns only.
  const old = isPlainObject(r.old) ? { ...data, ...r.old } : null;
  const position = str(r.position);
  const pos = position !== undefined ? /^(.*):(\d+)$/.exec(position) : null;
  const xoffset = r.xoffset ?? 0;
  const version =
    (pos ? binlogKey(pos[1], pos[2], xoffset) : undefined) ??
    (typeof r.gtid === 'string' ? gtidKey(r.gtid, xoffset) : undefined) ??
    maxwellKey(r.ts, r.xid, xoffset) ?? { error: 'no position (position, gtid, or ts and xid)' };
  const rowId = r.xoffset !== undefined || position !== undefined ? `${str(r.xid) ?? ''}:${position ?? ''}:${String(r.xoffset ?? '')}` : `${str(r.xid) ?? ''}:${contentHash(JSON.stringify(r))}`;
  return [
    finish(
      msg,
      {
        id: `maxwell:${table}:${rowId}:${subject}:${op}`,
        source: `maxwell:${str(r.database) ?? msg.input}`,
        type: rowEventType({ op, before: old, after: data }, { emailColumn: opts.emailColumn, passwordColumn: opts.passwordColumn }),
        subject,
        version,
        time: typeof r.ts === 'number' ? new Date(r.ts * 1000).toISOString() : undefined,
        data: op === 'd' ? undefined : data,
        shape: 'record',
      },
      {},
      ctx,
    ),
  ];
}

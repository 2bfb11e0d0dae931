import type { Message } from 'pg-logical-replication/dist/output-plugins/pgoutput/pgoutput.types.js';
import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import type { UserEventType } from '../../model/event.ts';
import { commitPositionKey } from '../../model/order-key.ts';
import { bad, finish, str } from './common.ts';
import { rowEventType } from './debezium.ts';
import type { DecodeContext, RawMessage } from './types.ts';

/** One committed transaction of a logical replication stream (pgoutput): what the PostgreSQL CDC input delivers. */
export interface PgTransaction {
  /** Where the transaction committed: with the position in it, each change's id and order key. */
  commitLsn: string;
  /** pgoutput's commit time (microseconds since 2000, as the library gives it). */
  commitTime: unknown;
  changes: Message[];
}

/** What of the input's configuration the decoding needs: which tables are what, and the outbox's columns. */
export interface PgoutputLayout {
  /** The input's name (the event `source` where a change carries none). */
  name: string;
  slot: string;
  usersTable?: string | undefined;
  outboxTable?: string | undefined;
  outbox: {
    id: string;
    subject: string;
    type: string;
    payload: string;
    data: 'canonical' | 'mapped';
    types: Record<string, UserEventType>;
  };
  passwordColumn?: string | undefined;
  emailColumn: string;
  idColumn?: string | undefined;
  ctx: DecodeContext;
}

/** `schema.table` or `table` → [schema, table]. */
export function splitTable(t: string): [string, string] {
  const i = t.indexOf('.');
  return i < 0 ? ['public', t] : [t.slice(0, i), t.slice(i + 1)];
}

/**
 * The events of a transaction: row changes of the users table and inserts into the outbox. Event
 * ids and versions are `commit LSN + position in the transaction`, which a replay reproduces: commit
 * order across transactions (the order the database made the changes visible in, also for outbox
 * rows of one user written by concurrent transactions) and the order within one, so two changes of
 * a user in one transaction never tie.
 */
export function decodePgTransaction(tx: PgTransaction, o: PgoutputLayout): IncomingEvent[] {
  const events: IncomingEvent[] = [];
  for (const [i, msg] of tx.changes.entries()) {
    const e = toEvent(msg, `pg:${o.slot}:${tx.commitLsn}:${i}`, commitPositionKey(tx.commitLsn, i), tx.commitTime, o);
    if (e !== null) events.push(e);
  }
  return events;
}

function toEvent(msg: Message, id: string, version: string | undefined, commitTime: unknown, o: PgoutputLayout): IncomingEvent | null {
  if (msg.tag !== 'insert' && msg.tag !== 'update' && msg.tag !== 'delete') return null;
  const table = `${msg.relation.schema}.${msg.relation.name}`;
  const matches = (t: string | undefined) => t !== undefined && splitTable(t).join('.') === table;
  const micros = typeof commitTime === 'bigint' ? Number(commitTime / 1000n) : Date.now();
  const time = new Date(micros).toISOString();
  const raw: RawMessage = { body: '', headers: {}, input: o.name, transportId: id };
  const key = version ?? { error: 'invalid commit LSN' };
  if (matches(o.outboxTable)) {
    if (msg.tag !== 'insert') return null; // outbox clean-up deletes are not events
    const row = msg.new;
    const oc = o.outbox;
    let payload: unknown = row[oc.payload];
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(payload) as unknown;
      } catch {
        return bad({ ...raw, body: payload as string }, 'unparseable: outbox payload is not JSON', String(row[oc.id] ?? id));
      }
    }
    return finish(
      { ...raw, body: JSON.stringify(row) },
      {
        id: row[oc.id] !== undefined && row[oc.id] !== null ? String(row[oc.id]) : id,
        source: `pg-outbox:${o.slot}`,
        type: typeof row[oc.type] === 'string' ? (row[oc.type] as string) : undefined,
        subject: row[oc.subject] !== undefined && row[oc.subject] !== null ? String(row[oc.subject]) : undefined,
        version: key,
        time,
        data: payload,
        shape: oc.data === 'mapped' ? 'record' : 'user',
      },
      oc.types,
      o.ctx,
    );
  }
  if (!matches(o.usersTable)) return null;
  const before = msg.tag === 'insert' ? null : msg.old ?? msg.key;
  const after = msg.tag === 'delete' ? null : msg.new;
  const op = msg.tag === 'insert' ? 'c' : msg.tag === 'update' ? 'u' : 'd';
  const type = rowEventType({ op, before, after }, o);
  const source = `pg-cdc:${o.slot}`;
  if (op === 'd') {
    // A delete carries only the key unless REPLICA IDENTITY FULL: the mapping's sourceId read from
    // it, else the key column itself.
    const keyCol = o.idColumn ?? msg.relation.keyColumns[0] ?? 'id';
    const subject = (before ? o.ctx.subjectOf?.(before) : undefined) ?? str(before?.[keyCol]);
    if (subject === undefined) return bad(raw, `delete without the key column ${keyCol}`, id);
    return finish(raw, { id, source, type: 'user.deleted', subject, version: key, time, data: undefined, shape: 'record' }, {}, o.ctx);
  }
  return finish({ ...raw, body: '' }, { id, source, type, subject: undefined, version: key, time, data: after, shape: 'record' }, {}, o.ctx);
}

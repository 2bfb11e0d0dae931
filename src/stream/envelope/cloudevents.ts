import type { UserEventType } from '../../model/event.ts';
import { ARRIVAL_KEY, intKey, sequenceKey, timeKey } from '../../model/order-key.ts';
import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { isPlainObject } from '../merge-patch.ts';
import { bad, bodyText, finish, getPath, parseJson } from './common.ts';
import { decodeRowPayload, debeziumPayload, type RowChangeOptions } from './debezium.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface CloudEventsOptions {
  data: 'canonical' | 'mapped';
  dataPath?: string | undefined;
  types: Record<string, UserEventType>;
  order?: 'auto' | 'sequence' | 'time' | 'arrival' | undefined;
  sequenceType?: 'lexicographic' | 'integer' | undefined;
}

// HTTP/Kafka/NATS bindings use `ce-`; the AMQP binding uses `cloudEvents:` (or `cloudEvents_`).
const PREFIXES = ['ce-', 'ce_', 'cloudevents:', 'cloudevents_'];

/** Header values of the HTTP binding are percent-encoded where they hold characters outside printable ASCII. */
function percentDecoded(v: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function binaryAttributes(headers: Record<string, string>): Record<string, string> | undefined {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const p = PREFIXES.find((x) => k.startsWith(x));
    if (p) attrs[k.slice(p.length)] = percentDecoded(v);
  }
  if (attrs.specversion === undefined) return undefined;
  // In binary mode the message's content type is the event's `datacontenttype`.
  if (headers['content-type'] !== undefined) attrs.datacontenttype ??= headers['content-type'];
  return attrs;
}

/** CloudEvents 1.0 batch mode (HTTP binding): a JSON array of structured events. */
const isBatch = (msg: RawMessage) => (msg.headers['content-type'] ?? '').toLowerCase().startsWith('application/cloudevents-batch+json');

/**
 * The order key of an event (see `CloudEventsOptions.order`): the `sequence` extension compared as
 * the spec says (strings, lexicographically; `sequencetype: Integer` as integers), else `time`, else
 * arrival order. A time that is not RFC 3339 is refused, never guessed (`Date.parse("a-0001")` is a date).
 */
function orderKey(attrs: Record<string, unknown>, opts: CloudEventsOptions): string | { error: string } {
  const order = opts.order ?? 'auto';
  if (order === 'arrival') return ARRIVAL_KEY;
  const seq = attrs.sequence ?? attrs.version;
  if (order !== 'time' && seq !== undefined && seq !== null && seq !== '') {
    const integer = String(attrs.sequencetype ?? '').toLowerCase() === 'integer' || opts.sequenceType === 'integer' || attrs.sequence === undefined;
    if (integer) {
      // `sequencetype: Integer` is a signed 32-bit number; a negative one would be its wrap-around, which is not ordered here.
      return intKey(typeof seq === 'string' ? seq.trim() : seq) ?? { error: `sequence ${JSON.stringify(seq).slice(0, 40)} is not a non-negative integer` };
    }
    // The spec's type is String; a JSON number is unambiguous all the same.
    if (typeof seq === 'number') return intKey(seq) ?? { error: `sequence ${seq} is not a non-negative integer` };
    if (typeof seq !== 'string') return { error: `sequence must be a string (CloudEvents), got ${typeof seq}` };
    return sequenceKey(seq) ?? { error: 'sequence holds control characters' };
  }
  if (order === 'sequence') return { error: 'no sequence (envelope.order: sequence)' };
  if (typeof attrs.time === 'string' && attrs.time !== '') return timeKey(attrs.time) ?? { error: `time ${attrs.time.slice(0, 40)} is not an RFC 3339 time` };
  if (order === 'time') return { error: 'no time (envelope.order: time)' };
  return ARRIVAL_KEY;
}

/** Debezium's CloudEvents converter: `iodebezium*` attributes and the row images in `data`. */
function debeziumCloudEvent(msg: RawMessage, attrs: Record<string, unknown>, data: unknown, ctx: DecodeContext, row: RowChangeOptions): IncomingEvent {
  const inner = debeziumPayload(data) ?? {};
  const source: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith('iodebezium')) source[k.slice('iodebezium'.length)] = v;
  const tsMs = source.tsms !== undefined ? Number(source.tsms) : undefined;
  return decodeRowPayload(
    msg,
    {
      op: attrs.iodebeziumop,
      before: isPlainObject(inner) ? inner.before : undefined,
      after: isPlainObject(inner) ? inner.after : undefined,
      source: { ...source, ts_ms: tsMs, txId: source.txid },
    },
    row,
    ctx,
  );
}

function oneEvent(msg: RawMessage, attrs: Record<string, unknown>, data: unknown, opts: CloudEventsOptions, ctx: DecodeContext): IncomingEvent {
  const id = typeof attrs.id === 'string' ? attrs.id : undefined;
  if (attrs.specversion !== '1.0') return bad(msg, `not a CloudEvents 1.0 event (specversion ${String(attrs.specversion).slice(0, 20)})`, id);
  if (attrs.iodebeziumop !== undefined) {
    return debeziumCloudEvent(msg, attrs, data, ctx, { emailColumn: 'email', unavailableValuePlaceholder: '__debezium_unavailable_value' });
  }
  return finish(
    msg,
    {
      id,
      source: typeof attrs.source === 'string' && attrs.source !== '' ? attrs.source : msg.input,
      type: typeof attrs.type === 'string' ? attrs.type : undefined,
      subject: typeof attrs.subject === 'string' ? attrs.subject : undefined,
      version: orderKey(attrs, opts),
      time: typeof attrs.time === 'string' ? attrs.time : undefined,
      data: getPath(data, opts.dataPath),
      shape: opts.data === 'mapped' ? 'record' : 'user',
    },
    opts.types,
    ctx,
  );
}

/** A structured-mode event: the attributes and `data` (or `data_base64`) in one JSON object. */
function structured(msg: RawMessage, value: unknown, opts: CloudEventsOptions, ctx: DecodeContext, at?: number): IncomingEvent {
  const where = at === undefined ? '' : ` (batch item ${at})`;
  if (!isPlainObject(value)) return bad(msg, `unparseable: not a CloudEvent object${where}`);
  let data = value.data;
  if (data === undefined && typeof value.data_base64 === 'string') {
    try {
      data = JSON.parse(Buffer.from(value.data_base64, 'base64').toString('utf8')) as unknown;
    } catch {
      return bad(msg, `unparseable: data_base64 is not JSON${where}`, typeof value.id === 'string' ? value.id : undefined);
    }
  }
  return oneEvent(msg, value, data, opts, ctx);
}

/** CloudEvents 1.0 in binary mode (attributes in headers), structured mode (JSON body) or batch mode (JSON array). */
export function decodeCloudEvents(msg: RawMessage, opts: CloudEventsOptions, ctx: DecodeContext): IncomingEvent[] {
  const binary = binaryAttributes(msg.headers);
  if (binary) {
    const body = bodyText(msg);
    let data: unknown;
    if (body.trim() !== '') {
      const parsed = parseJson(msg);
      if (!parsed.ok) return [bad(msg, parsed.reason, binary.id, binary.subject)];
      data = parsed.value;
    }
    return [oneEvent(msg, binary, data, opts, ctx)];
  }
  const parsed = parseJson(msg);
  if (!parsed.ok) return [bad(msg, parsed.reason)];
  if (Array.isArray(parsed.value)) {
    // Each event of a batch is its own: one bad event is a dead letter, the others go on.
    return parsed.value.map((v, i) => structured({ ...msg, transportId: msg.transportId && `${msg.transportId}#${i}` }, v, opts, ctx, i));
  }
  if (isBatch(msg)) return [bad(msg, 'unparseable: a CloudEvents batch must be a JSON array')];
  return [structured(msg, parsed.value, opts, ctx)];
}

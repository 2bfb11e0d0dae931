import type { UserEventType } from '../../model/event.ts';
import type { IncomingEvent } from '../../ledger/inbox.ts';
import { bad, finish, getPath, parseJson } from './common.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface CloudEventsOptions {
  data: 'canonical' | 'mapped';
  dataPath?: string | undefined;
  types: Record<string, UserEventType>;
}

// HTTP/Kafka/NATS bindings use `ce-`; the AMQP binding uses `cloudEvents:` (or `cloudEvents_`).
const PREFIXES = ['ce-', 'ce_', 'cloudevents:', 'cloudevents_'];

function binaryAttributes(headers: Record<string, string>): Record<string, string> | undefined {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const p = PREFIXES.find((x) => k.startsWith(x));
    if (p) attrs[k.slice(p.length)] = v;
  }
  return attrs.specversion !== undefined ? attrs : undefined;
}

/** CloudEvents 1.0 in binary mode (attributes in headers) or structured mode (JSON body). */
export function decodeCloudEvent(msg: RawMessage, opts: CloudEventsOptions, ctx: DecodeContext): IncomingEvent {
  const binary = binaryAttributes(msg.headers);
  let attrs: Record<string, unknown>;
  let data: unknown;
  if (binary) {
    attrs = binary;
    const body = typeof msg.body === 'string' ? msg.body : msg.body.toString('utf8');
    if (body.trim() === '') data = undefined;
    else {
      const parsed = parseJson(msg);
      if (!parsed.ok) return bad(msg, parsed.reason, binary.id, binary.subject);
      data = parsed.value;
    }
  } else {
    const parsed = parseJson(msg);
    if (!parsed.ok) return bad(msg, parsed.reason);
    if (parsed.value === null || typeof parsed.value !== 'object') return bad(msg, 'unparseable: not a CloudEvent object');
    attrs = parsed.value as Record<string, unknown>;
    data = attrs.data;
    if (data === undefined && typeof attrs.data_base64 === 'string') {
      try {
        data = JSON.parse(Buffer.from(attrs.data_base64, 'base64').toString('utf8')) as unknown;
      } catch {
        return bad(msg, 'unparseable: data_base64 is not JSON', String(attrs.id ?? ''));
      }
    }
  }
  const id = typeof attrs.id === 'string' ? attrs.id : undefined;
  if (attrs.specversion !== '1.0') return bad(msg, `not a CloudEvents 1.0 event (specversion ${String(attrs.specversion).slice(0, 20)})`, id);
  return finish(
    msg,
    {
      id,
      source: typeof attrs.source === 'string' && attrs.source !== '' ? attrs.source : msg.input,
      type: typeof attrs.type === 'string' ? attrs.type : undefined,
      subject: typeof attrs.subject === 'string' ? attrs.subject : undefined,
      version: attrs.sequence ?? attrs.version,
      time: typeof attrs.time === 'string' ? attrs.time : undefined,
      data: getPath(data, opts.dataPath),
      mapped: opts.data === 'mapped',
    },
    opts.types,
    ctx,
  );
}

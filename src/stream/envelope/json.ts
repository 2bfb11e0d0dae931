import type { UserEventType } from '../../model/event.ts';
import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';
import { autoVersionKey, bad, canonicalType, finish, getPath, parseJson, str } from './common.ts';
import type { DecodeContext, RawMessage } from './types.ts';

export interface PlainJsonOptions {
  id: string;
  type: string;
  version: string;
  versionType?: 'auto' | 'integer' | 'time' | 'string' | undefined;
  time?: string | undefined;
  subject?: string | undefined;
  data?: string | undefined;
  types: Record<string, UserEventType>;
}

/** A producer's own JSON shape, described by dotted paths; the user record goes through `mapping`. */
export function decodePlainJson(msg: RawMessage, opts: PlainJsonOptions, ctx: DecodeContext): IncomingEvent[] {
  const parsed = parseJson(msg);
  if (!parsed.ok) return [bad(msg, parsed.reason)];
  const body = parsed.value;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [bad(msg, 'unparseable: body is not a JSON object')];
  const type = str(getPath(body, opts.type));
  const data = getPath(body, opts.data);
  // A delete needs only its subject; its record, when one is sent along, names it where no subject path is set.
  const isDelete = canonicalType(type, opts.types) === 'user.deleted';
  return [
    finish(
      msg,
      {
        id: str(getPath(body, opts.id)),
        source: msg.input,
        type,
        subject: opts.subject ? str(getPath(body, opts.subject)) : undefined,
        version: autoVersionKey(getPath(body, opts.version), opts.versionType),
        time: opts.time ? str(getPath(body, opts.time)) : undefined,
        data: isDelete && opts.subject ? undefined : data,
        shape: 'record',
      },
      opts.types,
      ctx,
    ),
  ];
}

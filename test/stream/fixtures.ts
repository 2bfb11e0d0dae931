import type { IncomingEvent, InboxEvent } from '../../src/ledger/inbox/inbox.ts';
import type { UserEventType } from '../../src/model/event.ts';
import { intKey } from '../../src/model/order-key.ts';

/** The order key of integer version `n`. */
export const v = (n: number): string => intKey(n)!;

/** The integer an order key of `v` stands for (tests compare versions as numbers). */
export const n = (key: string): number => Number(key.slice(4));

/** A canonical user's data as an event carries it (every field: a full snapshot). */
export function user(id: string, rev: number, email = `${id}.r${rev}@example.com`): Record<string, unknown> {
  return { sourceId: id, email, emailVerified: true, name: { given: `G${rev}` }, attributes: { rev } };
}

export function ev(subject: string, version: number, type: UserEventType = 'user.updated', id = `${subject}:${version}:${type}`): InboxEvent {
  return {
    id,
    source: 'test',
    type,
    subject,
    version: v(version),
    time: new Date().toISOString(),
    ...(type === 'user.deleted' ? {} : { shape: 'user' as const, data: user(subject, version) }),
  };
}

export const ok = (e: InboxEvent): IncomingEvent => ({ ok: true, event: e });

import type { IncomingEvent, InboxEvent } from '../../src/ledger/inbox.ts';
import type { UserEventType } from '../../src/model/event.ts';
import { User } from '../../src/model/index.ts';

export function user(id: string, rev: number, email = `${id}.r${rev}@example.com`): User {
  return User.parse({ sourceId: id, email, emailVerified: true, name: { given: `G${rev}` }, attributes: { rev } });
}

export function ev(subject: string, version: number, type: UserEventType = 'user.updated', id = `${subject}:${version}:${type}`): InboxEvent {
  return {
    id,
    source: 'test',
    type,
    subject,
    version,
    time: new Date().toISOString(),
    data: type === 'user.deleted' ? undefined : user(subject, version),
  };
}

export const ok = (e: InboxEvent): IncomingEvent => ({ ok: true, event: e });

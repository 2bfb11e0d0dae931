import { z } from 'zod';

export const UserEventType = z.enum([
  'user.created',
  'user.updated',
  'user.deleted',
  'user.password_changed',
  'user.email_changed',
  'user.mfa_changed',
]);
export type UserEventType = z.infer<typeof UserEventType>;

/**
 * How an event's `data` becomes a user (docs/events.md):
 * - `user`: a canonical user (model/user.ts), possibly partial;
 * - `record`: a record of the legacy system, mapped by the migration's `mapping`;
 * - `normalised`: a vendor's user in the shape vendor sources produce (mapping/presets/normalised.ts).
 */
export const EventShape = z.enum(['user', 'record', 'normalised']);
export type EventShape = z.infer<typeof EventShape>;

/**
 * One change of one legacy user, as the sync stores it. `subject` is the legacy id; `version` is an
 * order key (model/order-key.ts) that never ties for two different changes when the source says
 * which came first. `data` is what the change says about the user, merged into the user's last
 * applied state as a JSON merge patch (RFC 7396): a field that is absent is unchanged, an explicit
 * `null` clears it. Deletes need no data (the key is enough).
 */
export const UserEvent = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  type: UserEventType,
  subject: z.string().min(1),
  version: z.string().min(2),
  time: z.iso.datetime({ offset: true }),
  shape: EventShape.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type UserEvent = z.infer<typeof UserEvent>;

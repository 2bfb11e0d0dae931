import { z } from 'zod';
import { User } from './user.ts';

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
 * CloudEvents-like change of one legacy user. `subject` is the legacy id and the ordering key;
 * `version` is monotonic per subject (source sequence or timestamp): an event at or below the
 * applied version is a no-op.
 */
export const UserEvent = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  type: UserEventType,
  subject: z.string().min(1),
  version: z.number().int().nonnegative(),
  time: z.iso.datetime({ offset: true }),
  /** The user's full state after the change; absent for deletes. */
  data: User.optional(),
});
export type UserEvent = z.infer<typeof UserEvent>;

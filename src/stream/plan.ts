import { carriesUser, type ClaimedEvent, type ClaimedUser } from '../ledger/inbox.ts';
import type { User } from '../model/index.ts';

/** What one claimed user needs from the target this round. */
export type UserPlan =
  | { subject: string; kind: 'noop'; skipped: number[] }
  | {
      subject: string;
      kind: 'upsert';
      /** The newest snapshot of the run: every field, password included, so a burst is one call. */
      user: User;
      known: boolean;
      /** Set when the run changed the email: the target must swap identifiers, not just add one. */
      emailChange: { previous: string | undefined } | undefined;
      events: number[];
      skipped: number[];
      version: number;
    }
  | { subject: string; kind: 'delete'; events: number[]; skipped: number[]; version: number };

/**
 * Fold a user's pending events into one target action. The version guard drops what is at or below
 * the applied version, so after a delete (a tombstone at its version) a late update cannot bring the
 * user back. A change newer than the delete does, whatever its type: the user exists again at that
 * version, and its re-creation may simply arrive later (out of order, and then dropped as older).
 * Consecutive non-delete events coalesce into one full upsert of the newest snapshot; a delete is
 * never merged with what follows it (those events wait for the next round, after the tombstone).
 */
export function planUser(c: ClaimedUser): UserPlan {
  let version = c.appliedVersion;
  const skipped: number[] = [];
  const events: number[] = [];
  let last: ClaimedEvent | undefined;
  let emailTouched = false;
  for (const ev of c.events) {
    if (ev.version <= version) {
      skipped.push(ev.seq);
      continue;
    }
    if (ev.type === 'user.deleted') {
      if (events.length > 0) break;
      return { subject: c.subject, kind: 'delete', events: [ev.seq], skipped, version: ev.version };
    }
    if (!carriesUser(ev)) {
      skipped.push(ev.seq);
      continue;
    }
    events.push(ev.seq);
    // Only the newest snapshot is sent: the events it supersedes are never parsed (see fromRows).
    last = ev;
    version = ev.version;
    if (ev.type === 'user.email_changed') emailTouched = true;
  }
  const user = last?.data;
  if (user === undefined) return { subject: c.subject, kind: 'noop', skipped };
  // A user coming back after a delete is created afresh: there is no old identifier to swap.
  const emailChanged = !c.tombstone && (c.lastEmail !== undefined ? user.email !== c.lastEmail : emailTouched);
  return {
    subject: c.subject,
    kind: 'upsert',
    user,
    known: c.known && !c.tombstone,
    emailChange: emailChanged ? { previous: c.lastEmail } : undefined,
    events,
    skipped,
    version,
  };
}

import { carriesUser, type ClaimedEvent, type ClaimedUser, type SettlementExtras, type UserState } from '../ledger/inbox/inbox.ts';
import { dedupeKey } from '../ledger/inbox/dedupe-key.ts';
import type { EventShape } from '../model/event.ts';
import { compareOrderKeys, formOf } from '../model/order-key.ts';
import type { User } from '../model/index.ts';
import type { Materialiser } from './materialise.ts';
import { isPlainObject, mergePatch, type JsonObject } from './merge-patch.ts';

/** What one claimed user needs from the target this round, and what it settles without the target. */
export type UserPlan = Required<SettlementExtras> &
  (
    | { subject: string; kind: 'noop' }
    | {
        subject: string;
        kind: 'upsert';
        /** The user as the merged state of every change so far: one call for a burst, every field in it. */
        user: User;
        known: boolean;
        /** Set when the run changed the email: the target must swap identifiers, not just add one. */
        emailChange: { previous: string | undefined } | undefined;
        events: number[];
        version: string;
        digests: string[];
        /** The merged state to store once the target has it. */
        state: UserState;
      }
    | { subject: string; kind: 'delete'; events: number[]; version: string; digests: string[] }
  );

/** A change's content, to tell a redelivery under another id from a different change at the same version. */
export function contentDigest(ev: ClaimedEvent): string {
  const json = ev.dataJson ?? (ev.data === undefined ? '' : JSON.stringify(ev.data));
  return dedupeKey(ev.type, json).toString(36);
}

/** At most this many digests are kept for one version (a version that keeps changing is a producer's bug). */
const MAX_DIGESTS = 16;

function unusable(list: { seqs: number[]; reason: string }[], seq: number, reason: string): void {
  const same = list.find((u) => u.reason === reason);
  if (same) same.seqs.push(seq);
  else list.push({ seqs: [seq], reason });
}

/** The applied version after applying an event at `key`: a versionless event leaves a versioned one. */
function keyAfter(applied: string, key: string): string {
  return applied !== '' && formOf(key) === 'a' && formOf(applied) !== 'a' ? applied : key;
}

/**
 * The events in order. The inbox orders them by key text, which is their order within one form; only
 * versions stored by an older inbox (`v`) compare with other forms, by number, so then they are sorted.
 */
function inOrder(events: ClaimedEvent[]): ClaimedEvent[] {
  if (!events.some((e) => formOf(e.version) === 'v') || events.every((e) => formOf(e.version) === 'v')) return events;
  return [...events].sort((a, b) => {
    const o = compareOrderKeys(a.version, b.version);
    return ('order' in o ? o.order : 0) || a.seq - b.seq;
  });
}

/**
 * Folds a user's pending events (in order-key order, then arrival) into one target action.
 *
 * - An event older than the applied change is superseded (`skipped`); one at the same version with
 *   content already applied there is a redelivery (`duplicates`); one at the same version with other
 *   content is a different change and is applied after it (arrival order breaks the tie).
 * - An event whose order key cannot be compared with the applied one (a producer that switched from
 *   times to sequences) is a dead letter with that reason: it is never guessed into place.
 * - Changes merge into the user's last applied state (JSON merge patch: absent = unchanged, null =
 *   cleared), and the merged state is mapped once; a burst becomes one upsert. A state that does not
 *   map (the mapping refuses it) dead-letters the change that broke it; the changes before it go out.
 * - After a delete the state starts empty; a newer change brings the user back (created afresh). A
 *   delete is never merged with what follows it (those events wait for the next round).
 */
export function planUser(c: ClaimedUser, materialise: Materialiser): UserPlan {
  const skipped: number[] = [];
  const duplicates: number[] = [];
  const bad: { seqs: number[]; reason: string }[] = [];
  let version = c.appliedVersion;
  // The changes applied at `version`: digests of those applied before this round (`carried`), and
  // this round's events at it (`group`), digested only when an event ties with them or at the end:
  // a hash per event would cost every event of a burst.
  let carried = c.appliedDigests;
  let group: ClaimedEvent[] = [];
  let shape: EventShape | undefined = c.tombstone ? undefined : c.state?.shape;
  const applied: ClaimedEvent[] = [];
  let emailTouched = false;

  for (const ev of inOrder(c.events)) {
    // An event without a version (no sequence, no time) is applied in arrival order, after whatever
    // was applied; it does not move the applied version of a versioned user (see `keyAfter`).
    const arrival = formOf(ev.version) === 'a';
    if (version !== '' && arrival === (formOf(version) === 'a')) {
      const order = compareOrderKeys(ev.version, version);
      if ('unorderable' in order) {
        unusable(bad, ev.seq, order.unorderable);
        continue;
      }
      if (order.order < 0) {
        skipped.push(ev.seq);
        continue;
      }
      if (order.order === 0 && digestsOf(group, carried).includes(contentDigest(ev))) {
        duplicates.push(ev.seq);
        continue;
      }
    }
    const next = keyAfter(version, ev.version);
    const newVersion = next !== version;
    if (ev.type === 'user.deleted') {
      if (applied.length > 0) break;
      const digests = newVersion ? [contentDigest(ev)] : digestsOf([...group, ev], carried);
      return { subject: c.subject, kind: 'delete', events: [ev.seq], version: next, digests, skipped, duplicates, unusable: bad };
    }
    if (!carriesUser(ev)) {
      unusable(bad, ev.seq, `${ev.type} without user data`);
      continue;
    }
    const evShape = ev.shape ?? 'user';
    if (shape !== undefined && evShape !== shape) {
      unusable(bad, ev.seq, `cannot merge ${evShape} data into this user's state, which ${shape} data built (one user's changes must come in one shape)`);
      continue;
    }
    shape = evShape;
    if (newVersion) {
      carried = [];
      group = [];
    }
    applied.push(ev);
    group.push(ev);
    version = next;
    if (ev.type === 'user.email_changed') emailTouched = true;
  }
  if (applied.length === 0 || shape === undefined) return { subject: c.subject, kind: 'noop', skipped, duplicates, unusable: bad };

  const base = c.tombstone ? undefined : c.state;
  let merged = mergeAll(base, applied);
  let result = materialise(c.subject, shape, merged.data);
  let used = applied;
  if (!result.ok) {
    // Find the change that made the state unusable: the ones before it go out, it is a dead letter,
    // and the ones after it wait for the next round (they merge into the state without it).
    used = [];
    for (const ev of applied) {
      const next = mergeAll(base, [...used, ev]);
      const r = materialise(c.subject, shape, next.data);
      if (!r.ok) {
        unusable(bad, ev.seq, r.reason);
        break;
      }
      merged = next;
      used.push(ev);
      result = r;
    }
    if (used.length === 0 || !result.ok) return { subject: c.subject, kind: 'noop', skipped, duplicates, unusable: bad };
  }
  let finalVersion = c.appliedVersion;
  for (const e of used) finalVersion = keyAfter(finalVersion, e.version);
  // The digests at the version this round ends at (a round cut short ends at an earlier one).
  const digests = digestsOf(
    used.filter((e) => e.version === finalVersion),
    finalVersion === c.appliedVersion ? c.appliedDigests : [],
  );
  const user = result.user;
  // A user coming back after a delete is created afresh: there is no old identifier to swap.
  const emailChanged = !c.tombstone && (c.lastEmail !== undefined ? user.email !== c.lastEmail : emailTouched);
  return {
    subject: c.subject,
    kind: 'upsert',
    user,
    known: c.known && !c.tombstone,
    emailChange: emailChanged ? { previous: c.lastEmail } : undefined,
    events: used.map((e) => e.seq),
    version: finalVersion,
    digests,
    state: { shape, json: merged.json ?? JSON.stringify(merged.data) },
    skipped,
    duplicates,
    unusable: bad,
  };
}

const digestsOf = (events: ClaimedEvent[], base: string[]): string[] => [...base, ...events.map(contentDigest)].slice(-MAX_DIGESTS);

/** Whether any member, at any depth, is an explicit null (a merge patch would remove it). */
function hasNull(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const k in v) {
    const x = v[k];
    if (x === null || (typeof x === 'object' && !Array.isArray(x) && hasNull(x))) return true;
  }
  return false;
}

/**
 * The state with `events` merged in, and its JSON where it is already at hand. A user's first change
 * (no state yet) with no null in it is the state itself: nothing is copied or written out again (the
 * common case of a sync that keeps up: one change per user per round).
 */
function mergeAll(base: UserState | undefined, events: ClaimedEvent[]): { data: JsonObject; json: string | undefined } {
  const first = events[0];
  if (base === undefined && events.length === 1 && first && isPlainObject(first.data) && !hasNull(first.data)) {
    return { data: first.data, json: first.dataJson };
  }
  let data: JsonObject = base === undefined ? {} : (JSON.parse(base.json) as JsonObject);
  for (const ev of events) data = mergePatch(data, ev.data) as JsonObject;
  return { data, json: undefined };
}

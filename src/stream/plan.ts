import { carriesUser, type ClaimedEvent, type ClaimedUser, type SettlementExtras, type UserState } from '../ledger/inbox.ts';
import { dedupeKey } from '../ledger/inbox-dedupe-key.ts';
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
  const extras = () => ({ skipped, duplicates, unusable: bad });
  let version = c.appliedVersion;
  // Changes applied at `version`: digests of those applied before this round, and this round's events
  // (digested only when an event ties with them, or at the end for the last version: a hash per event
  // would cost every event of a burst).
  let carried = c.appliedDigests;
  let group: ClaimedEvent[] = [];
  const cache = new Map<number, string>();
  const digestOf = (ev: ClaimedEvent) => {
    let d = cache.get(ev.seq);
    if (d === undefined) cache.set(ev.seq, (d = contentDigest(ev)));
    return d;
  };
  const groupDigests = (g: ClaimedEvent[], base: string[]) => [...base, ...g.map(digestOf)].slice(-MAX_DIGESTS);
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
      if (order.order === 0 && groupDigests(group, carried).includes(digestOf(ev))) {
        duplicates.push(ev.seq);
        continue;
      }
    }
    const next = keyAfter(version, ev.version);
    const newVersion = next !== version;
    if (ev.type === 'user.deleted') {
      if (applied.length > 0) break;
      const digests = newVersion ? [digestOf(ev)] : groupDigests([...group, ev], carried);
      return { subject: c.subject, kind: 'delete', events: [ev.seq], version: next, digests, ...extras() };
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
  if (applied.length === 0 || shape === undefined) return { subject: c.subject, kind: 'noop', ...extras() };

  const base = (): JsonObject => (c.tombstone || !c.state ? {} : (JSON.parse(c.state.json) as JsonObject));
  let merged = applied.reduce<JsonObject>((m, ev) => mergePatch(m, ev.data) as JsonObject, base());
  let result = materialise(c.subject, shape, merged);
  let used = applied;
  if (!result.ok) {
    // Find the change that made the state unusable: the ones before it go out, it is a dead letter,
    // and the ones after it wait for the next round (they merge into the state without it).
    let state = base();
    used = [];
    for (const ev of applied) {
      const next = mergePatch(state, ev.data) as JsonObject;
      const r = materialise(c.subject, shape, next);
      if (!r.ok) {
        unusable(bad, ev.seq, r.reason);
        break;
      }
      state = next;
      used.push(ev);
      result = r;
    }
    merged = state;
    if (used.length === 0 || !result.ok) return { subject: c.subject, kind: 'noop', ...extras() };
  }
  const finalVersion = used.reduce((k, e) => keyAfter(k, e.version), c.tombstone ? c.appliedVersion : c.appliedVersion);
  // The digests at the version this round ends at (a round cut short ends at an earlier one).
  const finalGroup = used.filter((e) => e.version === finalVersion);
  const digests = groupDigests(finalGroup, finalVersion === c.appliedVersion ? c.appliedDigests : []);
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
    state: { shape, json: JSON.stringify(isPlainObject(merged) ? merged : {}) },
    ...extras(),
  };
}

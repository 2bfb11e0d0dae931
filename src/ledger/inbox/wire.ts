import type { AppendResult, BadEvent, ClaimedEvent, ClaimedUser, IncomingEvent } from './inbox.ts';
import type { EventShape, UserEventType } from '../../model/event.ts';

/**
 * What crosses between the sync's main thread and the inbox's store, in both directions, and how each
 * side converts it. Events travel as flat arrays of strings and numbers, a fixed number of values
 * per event, not as objects: the inbox thread is the sync's busiest, and structured clone reads a
 * flat array of primitives in about two thirds of the time it takes for objects with the same
 * fields (20,000 events, measured here: 2.0 against 3.1–3.5 µs per event; serializing 0.5 against
 * 0.9–1.3). Payloads are JSON text, which the inbox stores as it is.
 */

/** Values per accepted event in `StoredBatch.events`, in this order. */
export const STORED_WIDTH = 9;

/** Events on their way to be appended: made by `toStored` on the caller's thread. */
export interface StoredBatch {
  /**
   * `STORED_WIDTH` values per decoded event: its position in the appended list (claims made by the
   * append refer to it), id, source, type, subject, version, time, shape, and the data as JSON (or null).
   */
  events: (string | number | null)[];
  /** The events that did not decode, for the dead letters. */
  bad: BadEvent[];
  /** Messages that were not user changes, counted by reason. */
  ignored?: Record<string, number> | undefined;
}

/** One decoded event of a `StoredBatch`, read where it is stored. */
export interface StoredView {
  index: number;
  id: string;
  source: string;
  type: string;
  subject: string;
  version: string;
  time: string;
  shape: string | null;
  data: string | null;
}

/** The `k`-th decoded event of `batch` (0-based). */
export function storedAt(batch: StoredBatch, k: number): StoredView {
  const e = batch.events;
  const o = k * STORED_WIDTH;
  return {
    index: e[o + 0] as number,
    id: e[o + 1] as string,
    source: e[o + 2] as string,
    type: e[o + 3] as string,
    subject: e[o + 4] as string,
    version: e[o + 5] as string,
    time: e[o + 6] as string,
    shape: e[o + 7] as string | null,
    data: e[o + 8] as string | null,
  };
}

export const storedCount = (batch: StoredBatch): number => batch.events.length / STORED_WIDTH;

/** The caller's side of an append: events flattened, users serialized (on the caller's thread, not the inbox's). */
export function toStored(events: IncomingEvent[]): StoredBatch {
  const flat: StoredBatch['events'] = [];
  const bad: BadEvent[] = [];
  let ignored: Record<string, number> | undefined;
  for (let index = 0; index < events.length; index++) {
    const e = events[index]!;
    if (!e.ok) {
      if ('bad' in e) bad.push(e.bad);
      else (ignored ??= {})[e.ignored] = (ignored[e.ignored] ?? 0) + 1;
      continue;
    }
    const { id, source, type, subject, version, time, shape, data } = e.event;
    flat.push(index, id, source, type, subject, version, time, data === undefined ? null : (shape ?? 'user'), data === undefined ? null : JSON.stringify(data));
  }
  return { events: flat, bad, ignored };
}

/**
 * A user an append leased as it queued the user's events. The caller holds those events already:
 * only their positions in the appended list and their inbox positions come back.
 */
export type AppendClaimedRow = Omit<ClaimedUser, 'events'> & { events: { index: number; seq: number }[] };

export type AppendOutcome = AppendResult & {
  /** With a claim request: the users leased, and the arrival time their events were stored with. */
  claimed?: { receivedAt: number; users: AppendClaimedRow[] } | undefined;
};

/** The data JSON of each appended event by its position in the appended list (what `toStored` wrote). */
function jsonByIndex(stored: StoredBatch | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (!stored) return out;
  const e = stored.events;
  for (let o = 0; o < e.length; o += STORED_WIDTH) if (e[o + 8] !== null) out.set(e[o] as number, e[o + 8] as string);
  return out;
}

/**
 * The appending side: users an append leased, with the events the caller handed it (nothing is read
 * back or parsed). `stored` is the batch as `toStored` made it: its JSON text goes along, so the plan
 * neither writes it again nor hashes anything else than what a claim would read back.
 */
export function fromAppendClaims(events: IncomingEvent[], claimed: AppendOutcome['claimed'], stored?: StoredBatch): ClaimedUser[] {
  if (!claimed || claimed.users.length === 0) return [];
  const jsons = jsonByIndex(stored);
  return claimed.users.map((u) => ({
    ...u,
    events: u.events.map(({ index, seq }) => {
      const e = events[index];
      if (!e?.ok) throw new Error(`inbox: append claimed position ${index}, which is not an accepted event`);
      const { id, source, type, subject, version, time, shape, data } = e.event;
      return { id, source, type, subject, version, time, shape, data, dataJson: jsons.get(index), seq, receivedAt: claimed.receivedAt };
    }),
  }));
}

/**
 * An event as claims read it: the columns in this order (`raw` statements: SQLite rows made into
 * objects by the driver cost twice as much per row as arrays).
 */
export type EventRow = [
  seq: number,
  source: string,
  eventId: string,
  subject: string,
  type: string,
  version: string,
  time: string,
  receivedAt: number,
  data: string | null,
  shape: string | null,
];

/** Values per event in `ClaimedRow.events`: an `EventRow`'s columns. */
export const CLAIMED_WIDTH = 10;

/** A claimed user as the store answers: its events' `EventRow`s one after the other in one flat array. */
export type ClaimedRow = Omit<ClaimedUser, 'events'> & { events: EventRow[number][] };

/** The store's side of a claim: `row` appended to the user's flat list, or the list started with it. */
export function addEventRow(list: EventRow[number][] | undefined, row: EventRow): EventRow[number][] {
  if (!list) return row;
  for (let i = 0; i < CLAIMED_WIDTH; i++) list.push(row[i]!);
  return list;
}

/** The receiver's side: claimed rows become users whose payloads are parsed when read. */
export function fromRows(rows: ClaimedRow[]): ClaimedUser[] {
  return rows.map((u) => {
    const events: ClaimedEvent[] = [];
    for (let o = 0; o < u.events.length; o += CLAIMED_WIDTH) events.push(claimedEvent(u.events, o));
    return { ...u, events };
  });
}

/**
 * A claimed event whose data is parsed from its JSON when first read (an event the plan skips is
 * never parsed). The accessor is the object's own, so copies (spread, JSON, structured clone) still
 * see the data.
 */
function claimedEvent(v: EventRow[number][], o: number): ClaimedEvent {
  const json = v[o + 8] as string | null;
  let data: ClaimedEvent['data'];
  return {
    seq: v[o + 0] as number,
    id: v[o + 2] as string,
    source: v[o + 1] as string,
    subject: v[o + 3] as string,
    type: v[o + 4] as UserEventType,
    version: v[o + 5] as string,
    time: v[o + 6] as string,
    receivedAt: v[o + 7] as number,
    shape: (v[o + 9] as EventShape | null) ?? undefined,
    hasData: json !== null,
    dataJson: json ?? undefined,
    get data() {
      if (json === null) return undefined;
      return (data ??= JSON.parse(json) as ClaimedEvent['data']);
    },
  };
}

/** Users listed by name with their notes, at most. */
const SAMPLES = 100;

/**
 * What the mapping said of users that migrate anyway (a dropped invalid field, an odd legacy id,
 * no hash in the export): how many users, how often each note, the first users with all of theirs.
 * `plan` predicts them; `run` records its own in the run's summary, which `status` and `report` show.
 */
export interface MappingNotes {
  users: number;
  byNote: Record<string, number>;
  samples: Array<{ position: string; sourceId: string; notes: string[] }>;
}

export function emptyNotes(): MappingNotes {
  return { users: 0, byNote: {}, samples: [] };
}

/** Count one user's notes (`clean` them first where they are kept, e.g. in the ledger's run history). */
export function addNotes(into: MappingNotes, position: string, sourceId: string, notes: readonly string[], clean: (note: string) => string = (n) => n): void {
  into.users += 1;
  const kept = notes.map(clean);
  for (const n of kept) into.byNote[n] = (into.byNote[n] ?? 0) + 1;
  if (into.samples.length < SAMPLES) into.samples.push({ position, sourceId, notes: kept });
}

/** The notes, most frequent first; equally frequent ones in the order they first came. */
export function notesByCount(notes: MappingNotes): Array<{ note: string; count: number }> {
  return Object.entries(notes.byNote)
    .map(([note, count]) => ({ note, count }))
    .sort((a, b) => b.count - a.count);
}

/**
 * Helpers for the golden contract tests: a transcript of answers and stored state, with the values
 * that are random by design (UUIDs, error reference numbers) replaced by stable placeholders, so a
 * rewrite of the emulators' internals can be checked against the recorded behaviour.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Numbers UUIDs by first appearance, so equal ids stay equal and different ones different. */
export function normaliser(): (value: unknown) => unknown {
  const seen = new Map<string, string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(UUID, (id) => {
        let name = seen.get(id);
        if (name === undefined) {
          name = `<uuid-${seen.size + 1}>`;
          seen.set(id, name);
        }
        return name;
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = k === 'referenceNumber' ? '<ref>' : walk(x);
      return out;
    }
    return v;
  };
  return walk;
}

/** A clock that tests move by hand. */
export function manualClock(start = Date.UTC(2025, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * A deterministic change history for many users (created, updated, password and email changes,
 * deletes followed by re-creation), its expected final state, and a delivery order with duplicates
 * and out-of-order events injected, as a broker or a webhook sender would produce it.
 */
export interface WorkEvent {
  id: string;
  type: string;
  subject: string;
  version: number;
  row?: Record<string, unknown>;
}

export interface Workload {
  /** Distinct events in source order. */
  events: WorkEvent[];
  /** What the target must end with: per user its row, or null when deleted. */
  final: Map<string, { email: string; rev: number } | null>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeWorkload(totalEvents: number, users: number, hashes: string[], seed = 1): Workload {
  const rand = rng(seed);
  const events: WorkEvent[] = [];
  const state = new Map<string, { version: number; email: string; alive: boolean; pw: string }>();
  for (let n = 0; n < totalEvents; n++) {
    // Round-robin with jitter, so every user gets a long history and histories interleave.
    const u = `r${(n + Math.floor(rand() * 7)) % users}`;
    const s = state.get(u);
    const version = (s?.version ?? 0) + 1 + Math.floor(rand() * 3);
    const pick = rand();
    let type: string;
    let email = s?.email ?? `${u}.e${version}@example.com`;
    let pw = s?.pw ?? hashes[0]!;
    if (!s || !s.alive) type = 'user.created';
    else if (pick < 0.03) type = 'user.deleted';
    else if (pick < 0.15) {
      type = 'user.email_changed';
      email = `${u}.e${version}@example.com`;
    } else if (pick < 0.3) {
      type = 'user.password_changed';
      pw = hashes[Math.floor(rand() * hashes.length)]!;
    } else type = 'user.updated';
    if (type === 'user.created' && !s?.alive) email = `${u}.e${version}@example.com`;
    const alive = type !== 'user.deleted';
    state.set(u, { version, email, alive, pw });
    events.push({
      id: `${u}:${version}`,
      type,
      subject: u,
      version,
      ...(alive ? { row: { id: u, email, email_verified: 'true', first_name: `G${version}`, rev: version, pw_hash: pw } } : {}),
    });
  }
  const final = new Map<string, { email: string; rev: number } | null>();
  for (const [u, s] of state) final.set(u, s.alive ? { email: s.email, rev: s.version } : null);
  return { events, final };
}

/**
 * Delivery order: local shuffles (out-of-order within a window), a few events held back for long
 * (0.5%: they arrive thousands of positions late, after newer versions were applied), and a share
 * of re-deliveries.
 */
export function deliveryOrder(events: WorkEvent[], dupShare: number, window: number, seed = 2): WorkEvent[] {
  const rand = rng(seed);
  let out = [...events];
  for (let i = 0; i < out.length; i++) {
    const j = Math.min(out.length - 1, i + Math.floor(rand() * window));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  const late: { at: number; e: WorkEvent }[] = [];
  out = out.filter((e, i) => {
    if (rand() >= 0.005) return true;
    late.push({ at: i + 2000 + Math.floor(rand() * 3000), e });
    return false;
  });
  for (const l of late.sort((a, b) => b.at - a.at)) out.splice(Math.min(out.length, l.at), 0, l.e);
  const withDups: WorkEvent[] = [];
  for (const e of out) {
    withDups.push(e);
    if (rand() < dupShare) withDups.splice(Math.max(0, withDups.length - 1 - Math.floor(rand() * 50)), 0, e);
  }
  return withDups;
}

export function cloudEvent(e: WorkEvent): string {
  return JSON.stringify({
    specversion: '1.0',
    id: e.id,
    source: 'urn:legacy:reliability',
    type: e.type,
    subject: e.subject,
    // Padded: CloudEvents sequences compare as strings (cloudevents/extensions/sequence.md).
    sequence: String(e.version).padStart(12, '0'),
    time: new Date().toISOString(),
    ...(e.row ? { data: e.row } : {}),
  });
}

/** Users whose target state differs from the expected final state (empty = equal). */
export function diffFinal(
  expected: Workload['final'],
  actual: Map<string, { email: unknown; rev: unknown }>,
): { user: string; expected: unknown; actual: unknown }[] {
  const diffs: { user: string; expected: unknown; actual: unknown }[] = [];
  for (const [u, want] of expected) {
    const got = actual.get(u);
    if (want === null) {
      if (got !== undefined) diffs.push({ user: u, expected: null, actual: got });
    } else if (!got || got.email !== want.email || got.rev !== want.rev) diffs.push({ user: u, expected: want, actual: got ?? null });
  }
  return diffs;
}

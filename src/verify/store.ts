import Database from 'better-sqlite3';
import { isOwnerAlive } from '../ledger/owner.ts';
import type { FieldDrift } from './compare.ts';

/**
 * Where a user stands after `verify`:
 * - `ok`: the target holds what the adapter sends.
 * - `missing` / `drift`: the target lacks the user, or holds other values (fields listed).
 * - `inflight`: missing or drifted, but a change is on its way (queued in the ledger, pending events,
 *   or changed at the source since the last run): reported apart from drift.
 * - `dead`: missing or drifted, and the migration gave up on it (a dead letter, with its reason).
 * - `refused`: the adapter would not send it at all (e.g. a hash the target cannot take under policy `reject`).
 * - `unreadable`: the target did not answer for it after every retry.
 * - `unsampled`: not read (`--sample`).
 * - `unexpected`: in the target under this migration's ids, but not in the source.
 * - `gone`: in the ledger as sent, no longer in the source, not yet looked for in the target;
 *   `gone-absent` once the listing showed the target does not have it either.
 */
export type Verdict = 'ok' | 'missing' | 'drift' | 'inflight' | 'dead' | 'refused' | 'unreadable' | 'unsampled' | 'unexpected' | 'gone' | 'gone-absent';

export const VERDICTS: readonly Verdict[] = ['ok', 'missing', 'drift', 'inflight', 'dead', 'refused', 'unreadable', 'unsampled', 'unexpected', 'gone', 'gone-absent'];

/** `source`: a user of the source; `ledger`: only the ledger knows it; `target`: found by the listing alone. */
export type Origin = 'source' | 'ledger' | 'target';

export interface Detail {
  fields?: FieldDrift[];
  reason?: string;
  /** For `inflight` and `dead`: what the read found. */
  found?: 'missing' | 'drift';
  passwordUnconfirmed?: boolean;
}

export interface VerifyRow {
  sourceId: string;
  targetKey: string;
  origin: Origin;
  verdict: Verdict;
  detail?: Detail;
}

export interface ReadTotals {
  calls: number;
  throttled: number;
  retries: number;
  /** Time spent with reads in flight, summed over the passes of this verification (resumes included). */
  activeMs: number;
  maxConcurrency: number;
}

/** The durable progress of one verification, so that a killed `verify` resumes where it stopped. */
export interface VerifyState {
  version: 1;
  /** Increases with every new verification of this ledger. */
  id: number;
  startedAt: string;
  /** What was verified against what (target and mode): a different one starts afresh. */
  key: string;
  mode: 'full' | 'sample';
  sample?: number;
  seed: number;
  /** Share of the source's users read; 1 in full mode. */
  probability: number;
  /** `reads`: a sample's users, picked during the source pass, are read (sample mode only). */
  phase: 'source' | 'reads' | 'ledger' | 'list' | 'done';
  listCursor?: string;
  listed: number;
  /** Users the listing showed that this migration did not create. */
  foreign: number;
  reads: ReadTotals;
  resumes: number;
  owner?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS verify_state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verify_users (
  source_id TEXT PRIMARY KEY,
  target_key TEXT NOT NULL,
  origin TEXT NOT NULL,
  verdict TEXT NOT NULL,
  detail TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS verify_users_target ON verify_users (target_key);
-- A sample's users between the source pass that picks them and their reads (removed once judged).
CREATE TABLE IF NOT EXISTS verify_queue (
  source_id TEXT PRIMARY KEY,
  position TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  json TEXT NOT NULL
) WITHOUT ROWID;
`;

/** A sampled user waiting for its read: the mapped user as JSON (it is what the ledger stores too). */
export interface QueuedUser {
  sourceId: string;
  position: string;
  fingerprint: string;
  json: string;
}

export class VerifyBusyError extends Error {}

/**
 * The verification's tables, in the ledger's SQLite file (own connection, `verify_` prefix) so one
 * file holds the migration's whole truth. One row per judged user: a resumed `verify` skips them.
 */
export class VerifyStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 30000');
    this.db.pragma('cache_size = -8192');
    this.db.exec(SCHEMA);
    this.q = {
      getState: this.db.prepare(`SELECT json FROM verify_state WHERE id = 1`).pluck(),
      setState: this.db.prepare(`INSERT INTO verify_state (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json`),
      put: this.db.prepare(
        `INSERT INTO verify_users (source_id, target_key, origin, verdict, detail) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(source_id) DO UPDATE SET target_key = excluded.target_key, origin = excluded.origin, verdict = excluded.verdict, detail = excluded.detail`,
      ),
      judged: this.db.prepare<[string], string>(`SELECT source_id FROM verify_users WHERE source_id IN (SELECT value FROM json_each(?))`).pluck(),
      byTarget: this.db.prepare<[string], { source_id: string; target_key: string; origin: Origin; verdict: Verdict }>(
        `SELECT source_id, target_key, origin, verdict FROM verify_users WHERE target_key IN (SELECT value FROM json_each(?))`,
      ),
      counts: this.db.prepare<[], { verdict: Verdict; n: number }>(`SELECT verdict, COUNT(*) AS n FROM verify_users GROUP BY verdict`),
      rowsOf: this.db.prepare<[string], { source_id: string; target_key: string; origin: Origin; verdict: Verdict; detail: string | null }>(
        `SELECT source_id, target_key, origin, verdict, detail FROM verify_users WHERE verdict = ? ORDER BY source_id`,
      ),
      goneAbsent: this.db.prepare(`UPDATE verify_users SET verdict = 'gone-absent' WHERE verdict = 'gone'`),
      clear: this.db.prepare(`DELETE FROM verify_users`),
      clearQueue: this.db.prepare(`DELETE FROM verify_queue`),
      enqueue: this.db.prepare(`INSERT OR IGNORE INTO verify_queue (source_id, position, fingerprint, json) VALUES (?, ?, ?, ?)`),
      dequeue: this.db.prepare(`DELETE FROM verify_queue WHERE source_id = ?`),
      queued: this.db.prepare<[string, number], QueuedUser>(
        `SELECT source_id AS sourceId, position, fingerprint, json FROM verify_queue WHERE source_id > ? ORDER BY source_id LIMIT ?`,
      ),
    };
  }

  state(): VerifyState | undefined {
    const json = this.q.getState.get() as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as VerifyState);
  }

  saveState(state: VerifyState): void {
    this.q.setState.run(JSON.stringify(state));
  }

  /** Take the verification for this process; throws while another live process holds it. */
  claim(owner: string): void {
    this.db
      .transaction(() => {
        const s = this.state();
        if (s?.owner !== undefined && s.owner !== owner && isOwnerAlive(s.owner)) {
          throw new VerifyBusyError(`another ciam-migrate verify (${s.owner}) is running on this ledger`);
        }
        if (s !== undefined) this.saveState({ ...s, owner });
      })
      .immediate();
  }

  /** Forget every judged user (a new verification). */
  clear(): void {
    this.q.clear.run();
    this.q.clearQueue.run();
  }

  clearQueue(): void {
    this.q.clearQueue.run();
  }

  /** Queued users after `after` (in legacy-id order), at most `limit`. */
  queued(after: string, limit: number): QueuedUser[] {
    return this.q.queued.all(after, limit);
  }

  /** Which of these users were judged already (by an interrupted run of the same verification). */
  judged(sourceIds: readonly string[]): Set<string> {
    return new Set(this.q.judged.all(JSON.stringify(sourceIds)));
  }

  /** Judged users, users queued for a read, and the progress that counts them, in one transaction. */
  put(rows: readonly VerifyRow[], state?: VerifyState, queue: readonly QueuedUser[] = []): void {
    if (rows.length === 0 && state === undefined && queue.length === 0) return;
    const sampling = state?.mode === 'sample';
    this.db
      .transaction(() => {
        for (const u of queue) this.q.enqueue.run(u.sourceId, u.position, u.fingerprint, u.json);
        for (const r of rows) {
          this.q.put.run(r.sourceId, r.targetKey, r.origin, r.verdict, r.detail === undefined ? null : JSON.stringify(r.detail));
          if (sampling && r.origin === 'source') this.q.dequeue.run(r.sourceId);
        }
        if (state !== undefined) this.q.setState.run(JSON.stringify(state));
      })
      .immediate();
  }

  byTargetKeys(keys: readonly string[]): Map<string, { sourceId: string; origin: Origin; verdict: Verdict }> {
    const out = new Map<string, { sourceId: string; origin: Origin; verdict: Verdict }>();
    for (const r of this.q.byTarget.all(JSON.stringify(keys))) out.set(r.target_key, { sourceId: r.source_id, origin: r.origin, verdict: r.verdict });
    return out;
  }

  counts(): Record<Verdict, number> {
    const out = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
    for (const { verdict, n } of this.q.counts.all()) out[verdict] = n;
    return out;
  }

  /** Users of one verdict in legacy-id order, streamed. */
  *rows(verdict: Verdict): Generator<VerifyRow> {
    for (const r of this.q.rowsOf.iterate(verdict)) {
      yield {
        sourceId: r.source_id,
        targetKey: r.target_key,
        origin: r.origin,
        verdict: r.verdict,
        ...(r.detail !== null ? { detail: JSON.parse(r.detail) as Detail } : {}),
      };
    }
  }

  /** After a complete listing: users only the ledger knew and the listing did not show are not in the target. */
  settleGone(): void {
    this.q.goneAbsent.run();
  }

  close(): void {
    this.db.close();
  }
}

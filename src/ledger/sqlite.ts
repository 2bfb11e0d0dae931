import Database from 'better-sqlite3';
import type { Outcome, User } from '../model/index.ts';
import { removedFields } from '../model/removed.ts';
import type {
  Batch,
  ClaimedItem,
  DeadLetter,
  Ledger,
  LedgerEntry,
  LedgerState,
  LedgerStats,
  ProgressPoint,
  RetryDeadResult,
  RetryPolicy,
  RunRecord,
  SettleSummary,
  SourceReject,
  StagedUser,
  StageLease,
  StageResult,
} from './ledger.ts';
import { LAST_FULL_READ_KEY } from './ledger.ts';
import { SQLITE_COPYING_MIGRATIONS, SQLITE_MIGRATIONS, SQLITE_SCHEMA, SQLITE_SCHEMA_VERSION } from './schema-sqlite.ts';
import { isOwnerAlive } from './owner.ts';
import { BackgroundCheckpointer } from './checkpointer.ts';
import { redactReason, redactSecrets } from '../observe/redact.ts';
import { preparePrivateDatabase } from './private-file.ts';

/** Pause between two background passes over the WAL. */
const CHECKPOINT_INTERVAL_MS = 50;
/** WAL size from which a background pass rewinds the WAL once it has copied it. */
const CHECKPOINT_RESTART_BYTES = 32 * 1024 * 1024;

export class LedgerBusyError extends Error {}

interface UserRow {
  id: number;
  source_id: string;
  fingerprint: string;
  op: 'upsert' | 'delete';
  state: LedgerState;
  synced_fingerprint: string | null;
  attempts: number;
  position: string | null;
  seen_run: number | null;
}

const STATES: LedgerState[] = ['pending', 'leased', 'synced', 'dead', 'deleted'];

/**
 * An older ledger about to be brought up to this version's schema, when that copies the users (an
 * upgrade that only adds a column says nothing). It is one transaction that may copy every user (schema 3 did: 14 s per million users on a 2-core machine, and the WAL and the
 * file each grew by about the ledger's size), so a command says so before it seems to hang.
 */
export interface LedgerUpgrade {
  file: string;
  from: number;
  to: number;
  users: number;
}

export interface SqliteLedgerOptions {
  /** Called before an older ledger's one-time upgrade starts (see `LedgerUpgrade`). */
  onUpgrade?: (upgrade: LedgerUpgrade) => void;
}

/** Embedded ledger: one SQLite file in WAL mode, one writer process at a time. */
export class SqliteLedger implements Ledger {
  private readonly db: Database.Database;
  private readonly q;
  private checkpointer: BackgroundCheckpointer | undefined;

  constructor(
    readonly file: string,
    options: SqliteLedgerOptions = {},
  ) {
    preparePrivateDatabase(file);
    this.db = new Database(file);
    // Takes effect only when the file is created. Against 4 and 8 KiB pages, the least CPU to stage
    // and settle for sequential and random legacy ids alike (BENCHMARKS.md, session 9).
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash; only an OS crash may lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    // Staging and delivery write from two threads; write transactions start IMMEDIATE, so a writer
    // waits here for the lock instead of failing on a stale read snapshot.
    this.db.pragma('busy_timeout = 30000');
    // A small page cache: a run touches the pages of the chunks it is staging and settling, and the
    // rest comes from the OS's cache. 4 MiB instead of 16 measured the same speed for sequential and
    // random legacy ids and 10–15 MB less peak RSS (BENCHMARKS.md, session 11); 2 MiB began to cost
    // with random ids.
    this.db.pragma('cache_size = -4096');
    // A changed user's old payload (its old hash) is zeroed where that costs no extra I/O; the
    // inbox, which clears payloads on purpose, uses the full setting.
    this.db.pragma('secure_delete = FAST');
    this.db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const storedVersion = () => {
      const v = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as string | undefined;
      if (v !== undefined && Number(v) > SQLITE_SCHEMA_VERSION) throw new Error(`${file} was written by a newer ciam-migrate (ledger schema ${v})`);
      return v;
    };
    if (storedVersion() === String(SQLITE_SCHEMA_VERSION)) {
      // Up to date: opened without a write, so `status` never waits for a running migration's lock.
      this.db.exec(SQLITE_SCHEMA);
    } else {
      this.db.transaction(() => {
        // Read again under the write lock: another process may have upgraded the file meanwhile.
        const version = storedVersion();
        // Migrations first: the current schema's indexes are then built on the current tables only.
        if (version !== undefined && version !== String(SQLITE_SCHEMA_VERSION)) {
          const from = Number(version);
          // Only an upgrade that copies the users is worth a word (v3 → v4 adds a column).
          if (Array.from({ length: SQLITE_SCHEMA_VERSION - from }, (_, i) => from + 1 + i).some((v) => SQLITE_COPYING_MIGRATIONS.has(v))) {
            const users = this.db.prepare(`SELECT COUNT(*) FROM users`).pluck().get() as number;
            options.onUpgrade?.({ file, from, to: SQLITE_SCHEMA_VERSION, users });
          }
          for (let v = Number(version) + 1; v <= SQLITE_SCHEMA_VERSION; v++) this.db.exec(SQLITE_MIGRATIONS[v] ?? '');
        }
        this.db.exec(SQLITE_SCHEMA);
        this.db
          .prepare(`INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
          .run(String(SQLITE_SCHEMA_VERSION));
      }).immediate();
    }
    this.q = {
      getUser: this.db.prepare<[string], UserRow>(
        `SELECT id, source_id, fingerprint, op, state, synced_fingerprint, attempts, position, seen_run FROM users WHERE source_id = ?`,
      ),
      insertUser: this.db.prepare(
        `INSERT INTO users (source_id, fingerprint, op, state, position, seen_run, updated_at)
         VALUES (?, ?, 'upsert', 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      // A new user handed straight to the run's delivery: leased from the start, so it never enters
      // the pending index and needs no claim.
      insertLeased: this.db.prepare(
        `INSERT INTO users (source_id, fingerprint, op, state, lease_owner, lease_until, leased_fingerprint, position, seen_run, updated_at)
         VALUES (?, ?, 'upsert', 'leased', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      putPayload: this.db.prepare(
        `INSERT INTO payloads (user_id, json) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET json = excluded.json`,
      ),
      payloadsOf: this.db.prepare<[string], { user_id: number; json: string; removed: string | null }>(
        `SELECT user_id, json, removed FROM payloads WHERE user_id IN (SELECT value FROM json_each(?))`,
      ),
      payloadOf: this.db.prepare<[number], { json: string; removed: string | null }>(`SELECT json, removed FROM payloads WHERE user_id = ?`),
      putPayloadRemoved: this.db.prepare(
        `INSERT INTO payloads (user_id, json, removed) VALUES (?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET json = excluded.json, removed = excluded.removed`,
      ),
      // Once the target has the user as staged, nothing is left to clear.
      clearRemoved: this.db.prepare(
        `UPDATE payloads SET removed = NULL WHERE removed IS NOT NULL AND user_id IN
           (SELECT id FROM users WHERE source_id IN (SELECT value FROM json_each(?)) AND state = 'synced')`,
      ),
      requeueUser: this.db.prepare(
        `UPDATE users SET fingerprint = ?, op = 'upsert',
           state = CASE WHEN state = 'leased' THEN 'leased' ELSE 'pending' END,
           attempts = 0, not_before = 0, last_error = NULL, error_code = NULL,
           position = ?, seen_run = ?, updated_at = ?
         WHERE source_id = ?`,
      ),
      touchUser: this.db.prepare(`UPDATE users SET seen_run = ?, position = ? WHERE source_id = ?`),
      holdUser: this.db.prepare(
        `UPDATE users SET seen_run = @runId, position = @position,
           state = CASE WHEN state = 'pending' THEN 'dead' ELSE state END,
           last_error = CASE WHEN state = 'pending' THEN @reason ELSE last_error END,
           error_code = CASE WHEN state = 'pending' THEN 'duplicate_identifier' ELSE error_code END
         WHERE source_id = @sourceId`,
      ),
      requeueLeased: this.db.prepare(
        `UPDATE users SET fingerprint = ?, op = 'upsert', state = 'leased', lease_owner = ?, lease_until = ?, leased_fingerprint = ?,
           attempts = 0, not_before = 0, last_error = NULL, error_code = NULL, position = ?, seen_run = ?, updated_at = ?
         WHERE source_id = ?`,
      ),
      // Only pending users are claimed: leases belong to a live process (acquire() takes back those
      // of a dead one), so a lease never has to be found by a scan while the run goes on.
      claim: this.db.prepare(
        `UPDATE users SET state = 'leased', lease_owner = @owner, lease_until = @until, leased_fingerprint = fingerprint
         WHERE id IN (SELECT id FROM users WHERE state = 'pending' AND not_before <= @now LIMIT @max)
         RETURNING id, source_id, fingerprint, op, synced_fingerprint, attempts`,
      ),
      // One statement for all users of a call that succeeded alike: the common case by far.
      settleOkMany: this.db.prepare(
        `UPDATE users SET
           state = CASE WHEN fingerprint = leased_fingerprint THEN @doneState ELSE 'pending' END,
           synced_fingerprint = CASE WHEN @doneState = 'deleted' THEN NULL ELSE leased_fingerprint END,
           target_action = @action, attempts = 0, not_before = 0,
           lease_owner = NULL, lease_until = NULL, last_error = NULL, error_code = NULL, updated_at = @now
         WHERE source_id IN (SELECT value FROM json_each(@ids)) AND lease_owner = @owner`,
      ),
      settleRetry: this.db.prepare(
        `UPDATE users SET state = 'pending', attempts = @attempts, not_before = @notBefore,
           lease_owner = NULL, lease_until = NULL, last_error = @reason, updated_at = @now
         WHERE source_id = @sourceId AND lease_owner = @owner`,
      ),
      settleDead: this.db.prepare(
        `UPDATE users SET state = CASE WHEN fingerprint = @fingerprint THEN 'dead' ELSE 'pending' END,
           attempts = @attempts, lease_owner = NULL, lease_until = NULL,
           last_error = @reason, error_code = @code, updated_at = @now
         WHERE source_id = @sourceId AND lease_owner = @owner`,
      ),
      hasPending: this.db.prepare(`SELECT 1 FROM users WHERE state = 'pending' LIMIT 1`),
      countByState: this.db.prepare<[], { state: LedgerState; n: number }>(
        `SELECT state, COUNT(*) AS n FROM users GROUP BY state`,
      ),
      deadByReason: this.db.prepare<[], { reason: string; count: number }>(
        `SELECT COALESCE(last_error, 'unknown') AS reason, COUNT(*) AS count FROM users WHERE state = 'dead'
         GROUP BY reason ORDER BY count DESC LIMIT 50`,
      ),
      nextDue: this.db.prepare(`SELECT MIN(not_before) FROM users WHERE state = 'pending'`),
      insertRun: this.db.prepare(`INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running')`),
      finishRun: this.db.prepare(`UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?`),
      runs: this.db.prepare<[], { id: number; kind: string; started_at: string; finished_at: string | null; status: string; summary: string }>(
        `SELECT id, kind, started_at, finished_at, status, summary FROM runs ORDER BY id DESC LIMIT 20`,
      ),
      insertReject: this.db.prepare(`INSERT INTO rejects (run_id, position, source_id, reason) VALUES (?, ?, ?, ?)`),
      rejectsOf: this.db.prepare<[number, number], { position: string; source_id: string | null; reason: string }>(
        `SELECT position, source_id, reason FROM rejects WHERE run_id = ? ORDER BY rowid LIMIT ?`,
      ),
      missingCount: this.db
        .prepare<[number], number>(
          `SELECT COUNT(*) FROM users WHERE (seen_run IS NULL OR seen_run < ?) AND state <> 'deleted' AND synced_fingerprint IS NOT NULL`,
        )
        .pluck(),
      missingSample: this.db
        .prepare<[number], string>(
          `SELECT source_id FROM users WHERE (seen_run IS NULL OR seen_run < ?) AND state <> 'deleted' AND synced_fingerprint IS NOT NULL LIMIT 10`,
        )
        .pluck(),
      queueDeletes: this.db.prepare(
        `UPDATE users SET op = 'delete', state = 'pending', attempts = 0, not_before = 0, fingerprint = 'deleted', updated_at = ?
         WHERE (seen_run IS NULL OR seen_run < ?) AND state <> 'deleted' AND synced_fingerprint IS NOT NULL`,
      ),
      peek: this.db.prepare<[string], { source_id: string; fingerprint: string; state: LedgerState; op: 'upsert' | 'delete'; last_error: string | null }>(
        `SELECT source_id, fingerprint, state, op, last_error FROM users WHERE source_id IN (SELECT value FROM json_each(?))`,
      ),
      requeueInsert: this.db.prepare(
        `INSERT INTO users (source_id, fingerprint, op, state, position, updated_at) VALUES (?, ?, 'upsert', 'pending', ?, ?) ON CONFLICT DO NOTHING`,
      ),
      requeueExisting: this.db.prepare<[string, number, number, string], { id: number }>(
        `UPDATE users SET fingerprint = ?, op = 'upsert', state = 'pending', attempts = 0, not_before = 0, last_error = NULL, error_code = NULL,
           synced_fingerprint = CASE WHEN ? = 1 THEN NULL ELSE synced_fingerprint END, updated_at = ?
         WHERE source_id = ? AND state <> 'leased' RETURNING id`,
      ),
      syncedIdsAfter: this.db.prepare<[number, number], { id: number; source_id: string }>(
        `SELECT id, source_id FROM users WHERE synced_fingerprint IS NOT NULL AND id > ? ORDER BY id LIMIT ?`,
      ),
      rejectReasons: this.db.prepare<[number], { reason: string; count: number }>(
        `SELECT reason, COUNT(*) AS count FROM rejects WHERE run_id = ? GROUP BY reason ORDER BY count DESC LIMIT 100`,
      ),
      deadLetters: this.db.prepare<[number], { source_id: string; last_error: string | null; error_code: string | null; email: string | null }>(
        `SELECT u.source_id, u.last_error, u.error_code, json_extract(p.json, '$.email') AS email
         FROM users u LEFT JOIN payloads p ON p.user_id = u.id WHERE u.state = 'dead' ORDER BY u.source_id LIMIT ?`,
      ),
      insertProgress: this.db.prepare(`INSERT INTO progress (run_id, point) VALUES (?, ?)`),
      progressOf: this.db.prepare<[number], string>(`SELECT point FROM progress WHERE run_id = ? ORDER BY rowid`).pluck(),
      getMeta: this.db.prepare(`SELECT value FROM meta WHERE key = ?`),
      setMeta: this.db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      deleteMeta: this.db.prepare(`DELETE FROM meta WHERE key = ?`),
      // Runs are only begun under ownership: whatever is still `running` when ownership is taken
      // belongs to a process that died without finishing it.
      interruptStaleRuns: this.db.prepare(
        `UPDATE runs SET status = 'interrupted', finished_at = @now,
           summary = json_set(CASE WHEN json_valid(summary) THEN summary ELSE '{}' END, '$.error', @reason)
         WHERE status = 'running'`,
      ),
      heldByTarget: this.db
        .prepare<[], number>(`SELECT COUNT(*) FROM users WHERE state <> 'deleted' AND synced_fingerprint IS NOT NULL`)
        .pluck(),
      releaseLeases: this.db.prepare(
        `UPDATE users SET state = 'pending', lease_owner = NULL, lease_until = NULL WHERE state = 'leased' AND lease_owner <> ?`,
      ),
    };
  }

  /**
   * Copy the WAL back into the file on another thread from `afterMs` on, instead of in the middle
   * of a commit on this one. Returns how to stop it (before close, so that close can checkpoint).
   */
  checkpointInBackground(options: { afterMs?: number } = {}): () => Promise<void> {
    if (this.file === ':memory:' || this.checkpointer !== undefined) return async () => undefined;
    let checkpointer: BackgroundCheckpointer | undefined;
    const start = () => {
      if (!this.db.open) return;
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      checkpointer = new BackgroundCheckpointer({
        file: this.file,
        intervalMs: CHECKPOINT_INTERVAL_MS,
        restartFrames: Math.max(256, Math.floor(CHECKPOINT_RESTART_BYTES / pageSize)),
      });
      this.checkpointer = checkpointer;
      this.db.pragma('wal_autocheckpoint = 0');
    };
    const timer = setTimeout(start, options.afterMs ?? 0);
    timer.unref();
    return async () => {
      clearTimeout(timer);
      if (checkpointer === undefined) return;
      await checkpointer.stop();
      if (this.checkpointer === checkpointer) this.checkpointer = undefined;
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    };
  }

  async acquire(owner: string): Promise<void> {
    this.db.transaction(() => {
      const holder = this.q.getMeta.pluck().get('owner') as string | undefined;
      if (holder !== undefined && holder !== owner && isOwnerAlive(holder)) {
        throw new LedgerBusyError(`another ciam-migrate process (${holder}) is using this ledger`);
      }
      this.q.setMeta.run('owner', owner);
      // The previous owner is gone: its leases can be taken back now instead of waiting for expiry.
      this.q.releaseLeases.run(owner);
      this.q.interruptStaleRuns.run({
        now: new Date().toISOString(),
        reason: 'the process stopped without finishing this run (killed, or the machine went down); the next run resumed it',
      });
    }).immediate();
  }

  async release(owner: string): Promise<void> {
    const holder = this.q.getMeta.pluck().get('owner') as string | undefined;
    if (holder === owner) this.q.deleteMeta.run('owner');
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.q.getMeta.pluck().get(key) as string | undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.q.setMeta.run(key, value);
  }

  async beginRun(kind: string): Promise<number> {
    return Number(this.q.insertRun.run(kind, new Date().toISOString()).lastInsertRowid);
  }

  async finishRun(runId: number, status: string, summary: Record<string, unknown>): Promise<void> {
    this.q.finishRun.run(new Date().toISOString(), status, JSON.stringify(summary), runId);
  }

  async stage(runId: number, users: StagedUser[], lease?: StageLease): Promise<StageResult[]> {
    const now = Date.now();
    return this.db.transaction(() =>
      users.map(({ sourceId, json, fingerprint, position }): StageResult => {
        // Insert first: in a first load nearly every user is new, and the lookup comes for free.
        const inserted = lease
          ? this.q.insertLeased.run(sourceId, fingerprint, lease.owner, lease.until, fingerprint, position, runId, now)
          : this.q.insertUser.run(sourceId, fingerprint, position, runId, now);
        if (inserted.changes === 1) {
          this.q.putPayload.run(inserted.lastInsertRowid, json);
          return { kind: 'new', leased: lease !== undefined, knownToTarget: false };
        }
        const row = this.q.getUser.get(sourceId) as UserRow;
        if (row.seen_run === runId) return { kind: 'duplicate', firstPosition: row.position ?? 'unknown' };
        if (row.fingerprint === fingerprint && row.op === 'upsert') {
          this.q.touchUser.run(runId, position, sourceId);
          return { kind: row.state === 'synced' ? 'unchanged' : row.state === 'dead' ? 'dead' : 'queued' };
        }
        // A user leased by a call still in flight stays leased: its settle sees the new fingerprint
        // and queues it again, so the change is never lost nor sent twice at once.
        const leased = lease !== undefined && row.state !== 'leased';
        if (leased) this.q.requeueLeased.run(fingerprint, lease.owner, lease.until, fingerprint, position, runId, now, sourceId);
        else this.q.requeueUser.run(fingerprint, position, runId, now, sourceId);
        const removed = this.removedSince(row, json);
        this.q.putPayloadRemoved.run(row.id, json, removed ? JSON.stringify(removed) : null);
        return { kind: 'changed', leased, knownToTarget: row.synced_fingerprint !== null, ...(removed ? { removed } : {}) };
      }),
    ).immediate();
  }

  /**
   * What the changed user lost since the version the ledger holds, plus what that version still
   * had to clear. Only a user the target has can have anything to clear in it.
   */
  private removedSince(row: UserRow, json: string): string[] | undefined {
    const stored = this.q.payloadOf.get(row.id);
    if (stored === undefined) return undefined;
    const pending = stored.removed !== null ? (JSON.parse(stored.removed) as string[]) : [];
    if (row.synced_fingerprint === null && pending.length === 0) return undefined;
    const previous = row.op === 'upsert' ? (JSON.parse(stored.json) as User) : undefined;
    return removedFields(previous, JSON.parse(json) as User, pending);
  }

  async hold(runId: number, users: Array<{ sourceId: string; position: string; reason: string }>): Promise<void> {
    this.db.transaction(() => {
      for (const u of users) this.q.holdUser.run({ runId, ...u });
    }).immediate();
  }

  async recordRejects(runId: number, rejects: SourceReject[]): Promise<void> {
    this.db.transaction(() => {
      // Source rejects name the record's own fields (kept), never a secret or a hash (removed).
      for (const r of rejects) this.q.insertReject.run(runId, r.position, r.sourceId ?? null, redactSecrets(r.reason, { maxLength: 500 }));
    }).immediate();
  }

  async rejectsOf(runId: number, limit = 1000): Promise<SourceReject[]> {
    return this.q.rejectsOf.all(runId, limit).map((r) => ({ position: r.position, sourceId: r.source_id ?? undefined, reason: r.reason }));
  }

  async peek(sourceIds: string[]): Promise<Map<string, LedgerEntry>> {
    const out = new Map<string, LedgerEntry>();
    for (const r of this.q.peek.all(JSON.stringify(sourceIds))) {
      out.set(r.source_id, { fingerprint: r.fingerprint, state: r.state, op: r.op, ...(r.last_error !== null ? { reason: r.last_error } : {}) });
    }
    return out;
  }

  async *syncedIds(pageSize = 1000): AsyncIterable<string[]> {
    // Keyset pages on the integer key: no statement stays open on the connection between pages.
    for (let after = 0; ; ) {
      const rows = this.q.syncedIdsAfter.all(after, pageSize);
      if (rows.length === 0) return;
      yield rows.map((r) => r.source_id);
      after = (rows[rows.length - 1] as { id: number }).id;
      if (rows.length < pageSize) return;
    }
  }

  async recordProgress(runId: number, point: ProgressPoint): Promise<void> {
    this.q.insertProgress.run(runId, JSON.stringify(point));
  }

  async rejectReasons(runId: number): Promise<{ reason: string; count: number }[]> {
    return this.q.rejectReasons.all(runId);
  }

  async deadLetters(limit: number, includeEmail: boolean): Promise<DeadLetter[]> {
    return this.q.deadLetters.all(limit).map((r) => ({
      sourceId: r.source_id,
      reason: r.last_error ?? 'unknown',
      code: r.error_code ?? undefined,
      ...(includeEmail && r.email !== null ? { email: r.email } : {}),
    }));
  }

  async progressOf(runId: number): Promise<ProgressPoint[]> {
    return this.q.progressOf.all(runId).map((p) => JSON.parse(p) as ProgressPoint);
  }

  async claim(owner: string, max: number, leaseMs: number, now = Date.now()): Promise<Batch> {
    const rows = this.db.transaction(
      () =>
        this.q.claim.all({ owner, until: now + leaseMs, now, max }) as Array<
          Pick<UserRow, 'id' | 'source_id' | 'fingerprint' | 'op' | 'synced_fingerprint' | 'attempts'>
        >,
    ).immediate();
    const payloads = new Map<number, { json: string; removed: string | null }>();
    const upserts = rows.filter((r) => r.op !== 'delete').map((r) => r.id);
    if (upserts.length > 0) {
      for (const p of this.q.payloadsOf.all(JSON.stringify(upserts))) payloads.set(p.user_id, p);
    }
    const items = rows.map((r): ClaimedItem => {
      const p = payloads.get(r.id);
      const item: ClaimedItem = {
        sourceId: r.source_id,
        op: r.op,
        fingerprint: r.fingerprint,
        user: p !== undefined ? (JSON.parse(p.json) as User) : undefined,
        knownToTarget: r.synced_fingerprint !== null,
        attempts: r.attempts,
      };
      if (p?.removed != null) item.removed = JSON.parse(p.removed) as string[];
      return item;
    });
    return { owner, items };
  }

  async settle(batch: Batch, outcomes: Outcome[], policy: RetryPolicy, now = Date.now()): Promise<SettleSummary> {
    const summary: SettleSummary = { created: 0, updated: 0, deleted: 0, retried: 0, dead: 0 };
    const items = new Map(batch.items.map((i) => [i.sourceId, i]));
    const okByAction: Record<'created' | 'updated' | 'deleted', string[]> = { created: [], updated: [], deleted: [] };
    // Reasons are redacted where they are stored too (targets already do when they make them): a
    // batch's users mostly share one reason, so each distinct text is cleaned once.
    const cleaned = new Map<string, string>();
    const clean = (reason: string): string => {
      let c = cleaned.get(reason);
      if (c === undefined) cleaned.set(reason, (c = redactReason(reason)));
      return c;
    };
    this.db.transaction(() => {
      for (const o of outcomes) {
        const item = items.get(o.sourceId);
        if (item === undefined) continue;
        items.delete(o.sourceId);
        const base = { sourceId: o.sourceId, owner: batch.owner, now, fingerprint: item.fingerprint };
        if (o.kind === 'ok') {
          okByAction[o.action].push(o.sourceId);
          summary[o.action] += 1;
        } else if (o.kind === 'rejected') {
          this.q.settleDead.run({ ...base, attempts: item.attempts + 1, reason: clean(o.reason), code: o.code ?? null });
          summary.dead += 1;
        } else {
          const attempts = item.attempts + 1;
          if (attempts >= policy.maxAttempts) {
            this.q.settleDead.run({ ...base, attempts, reason: `gave up after ${attempts} attempts: ${clean(o.reason)}`, code: 'retries-exhausted' });
            summary.dead += 1;
          } else {
            const delay = o.retryAfterMs ?? policy.backoffMs(attempts);
            this.q.settleRetry.run({ ...base, attempts, notBefore: now + delay, reason: clean(o.reason) });
            summary.retried += 1;
          }
        }
      }
      for (const [action, ids] of Object.entries(okByAction)) {
        if (ids.length === 0) continue;
        const doneState = action === 'deleted' ? 'deleted' : 'synced';
        this.q.settleOkMany.run({ doneState, action, now, ids: JSON.stringify(ids), owner: batch.owner });
      }
      const cleared = batch.items.filter((i) => i.removed !== undefined && i.op === 'upsert').map((i) => i.sourceId);
      if (cleared.length > 0) this.q.clearRemoved.run(JSON.stringify(cleared));
      // A target that forgot a user must not lose it: treat a missing outcome as retryable.
      for (const item of items.values()) {
        this.q.settleRetry.run({
          sourceId: item.sourceId,
          owner: batch.owner,
          now,
          attempts: item.attempts + 1,
          notBefore: now + policy.backoffMs(item.attempts + 1),
          reason: 'no outcome reported by the target',
        });
        summary.retried += 1;
      }
    }).immediate();
    return summary;
  }

  async missingFrom(runId: number): Promise<{ count: number; sample: string[] }> {
    // Counted in SQLite: a truncated export can leave millions missing, which must not be loaded.
    return { count: this.q.missingCount.get(runId) ?? 0, sample: this.q.missingSample.all(runId) };
  }

  async heldByTarget(): Promise<number> {
    return this.q.heldByTarget.get() ?? 0;
  }

  async queueDeletes(runId: number): Promise<number> {
    return this.q.queueDeletes.run(Date.now(), runId).changes;
  }

  async requeue(users: StagedUser[], absentFromTarget: ReadonlySet<string>): Promise<number> {
    const now = Date.now();
    return this.db.transaction(() => {
      let n = 0;
      for (const u of users) {
        const inserted = this.q.requeueInsert.run(u.sourceId, u.fingerprint, u.position, now);
        let id: number | bigint | undefined = inserted.changes === 1 ? inserted.lastInsertRowid : undefined;
        if (id === undefined) id = this.q.requeueExisting.get(u.fingerprint, absentFromTarget.has(u.sourceId) ? 1 : 0, now, u.sourceId)?.id;
        if (id === undefined) continue;
        this.q.putPayload.run(id, u.json);
        n += 1;
      }
      return n;
    }).immediate();
  }

  async retryDead(filter: { reason?: string } = {}): Promise<RetryDeadResult> {
    const stored = this.q.getMeta.pluck().get(LAST_FULL_READ_KEY) as string | undefined;
    const fullReadRun = stored !== undefined ? Number(stored) : undefined;
    const reason = filter.reason === undefined ? '' : ' AND last_error LIKE @reason';
    // Without a recorded full read nothing tells who left the source: every dead letter goes back.
    const present = fullReadRun === undefined ? '' : ' AND seen_run >= @fullReadRun';
    const gone = fullReadRun === undefined ? '' : ' AND (seen_run IS NULL OR seen_run < @fullReadRun)';
    const params = { ...(filter.reason !== undefined ? { reason: `%${filter.reason}%` } : {}), ...(fullReadRun !== undefined ? { fullReadRun } : {}) };
    return this.db.transaction(() => {
      const goneFromSource =
        fullReadRun === undefined ? 0 : (this.db.prepare(`SELECT COUNT(*) FROM users WHERE state = 'dead'${reason}${gone}`).pluck().get(params) as number);
      const requeued = this.db
        .prepare(`UPDATE users SET state = 'pending', attempts = 0, not_before = 0 WHERE state = 'dead'${reason}${present}`)
        .run(params).changes;
      return { requeued, goneFromSource, fullReadRun };
    }).immediate();
  }

  async hasPending(): Promise<boolean> {
    return this.q.hasPending.get() !== undefined;
  }

  async nextDueAt(): Promise<number | undefined> {
    return (this.q.nextDue.pluck().get() as number | null) ?? undefined;
  }

  async stats(): Promise<LedgerStats> {
    const byState = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<LedgerState, number>;
    let total = 0;
    for (const { state, n } of this.q.countByState.all()) {
      byState[state] = n;
      total += n;
    }
    const runs: RunRecord[] = this.q.runs.all().map((r) => ({
      id: r.id,
      kind: r.kind,
      startedAt: r.started_at,
      finishedAt: r.finished_at ?? undefined,
      status: r.status,
      summary: JSON.parse(r.summary) as Record<string, unknown>,
    }));
    return { total, byState, deadByReason: this.q.deadByReason.all(), nextDueAt: (this.q.nextDue.pluck().get() as number | null) ?? undefined, runs };
  }

  async close(): Promise<void> {
    this.checkpointer?.kill();
    this.checkpointer = undefined;
    this.db.close();
  }
}

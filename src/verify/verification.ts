import { fingerprintJson, type LedgerEntry, type StagedUser } from '../ledger/index.ts';
import type { User } from '../model/index.ts';
import type { ExpectedUser, ListResult, ReadResult } from '../targets/target.ts';
import { compareViews } from './compare.ts';
import type { VerifyDependencies } from './dependencies.ts';
import type { AdaptiveReads, GaveUp } from './reads.ts';
import type { VerifyReport } from './report.ts';
import { inSample } from './sample.ts';
import type { RunState } from './state.ts';
import type { Detail, QueuedUser, VerifyRow, VerifyStore } from './store.ts';

/** Users of one source chunk judged together; their reads overlap with the next chunk's mapping. */
const CHUNK = 256;
/** Judged users written per transaction (with the progress that goes with them). */
const FLUSH_ROWS = 500;
const FLUSH_MS = 1000;

interface Pending {
  user: User;
  fingerprint: string;
  json: string;
  position: string;
}

/** The passes of one verification over the source, the ledger and the target's listing. */
export class Verification {
  private rows: VerifyRow[] = [];
  private queue: QueuedUser[] = [];
  private requeue: StagedUser[] = [];
  private absent = new Set<string>();
  private lastFlush = Date.now();
  private judged = 0;
  private activeSince: number | undefined;
  private outstanding = 0;
  private wake: Array<() => void> = [];
  private fatal: unknown;
  /** The last write asked for (see `flush`). */
  private flushed: Promise<void> = Promise.resolve();
  /** A write from `record` is on its way: rows judged meanwhile go with it. */
  private writeAsked = false;

  constructor(
    private readonly deps: VerifyDependencies,
    private readonly store: VerifyStore,
    private readonly state: RunState,
    private readonly reads: AdaptiveReads,
  ) {}

  get passwordUnconfirmed(): number {
    return this.state.passwordUnconfirmed;
  }

  get requeued(): number {
    return this.state.requeued;
  }

  get population(): number {
    return this.state.population;
  }

  private get bound(): number {
    return Math.max(64, this.deps.concurrency.max * 4);
  }

  /** Phase 1. The source is read whole even when resuming: users judged before are skipped. */
  async sourcePass(): Promise<VerifyReport['source']> {
    const { source, mapper, signal } = this.deps;
    const out: VerifyReport['source'] = { read: 0, valid: 0, rejected: 0, rejects: [] };
    const reject = (position: string, reason: string) => {
      out.rejected += 1;
      if (out.rejects.length < 100) out.rejects.push({ position, reason });
    };
    let chunk: Pending[] = [];
    for await (const record of source.read(signal)) {
      out.read += 1;
      if (record.error !== undefined) {
        reject(record.position, record.error);
        continue;
      }
      const mapped = mapper.map(record);
      if (!mapped.ok) {
        reject(record.position, mapped.reason);
        continue;
      }
      out.valid += 1;
      if (this.state.phase !== 'source') continue;
      const json = JSON.stringify(mapped.user);
      chunk.push({ user: mapped.user, json, fingerprint: fingerprintJson(json), position: record.position });
      if (chunk.length >= CHUNK) {
        await this.judgeChunk(chunk);
        chunk = [];
      }
      if (signal?.aborted || this.fatal !== undefined) break;
    }
    if (!signal?.aborted && this.fatal === undefined && chunk.length > 0) await this.judgeChunk(chunk);
    await this.drain();
    this.progress('source');
    if (this.fatal !== undefined) throw this.fatal;
    if (!signal?.aborted && this.state.phase === 'source') {
      this.state.phase = this.state.mode === 'sample' ? 'reads' : 'ledger';
      await this.flush(true);
    }
    return out;
  }

  private async judgeChunk(chunk: Pending[]): Promise<void> {
    const ids = chunk.map((c) => c.user.sourceId);
    const done = this.store.judged(ids);
    const todo = chunk.filter((c) => !done.has(c.user.sourceId));
    this.judged += chunk.length - todo.length;
    if (todo.length === 0) return this.progress('source');
    const todoIds = todo.map((c) => c.user.sourceId);
    const entries = await this.deps.ledger.peek(todoIds);
    const events = this.deps.inbox?.inFlight(todoIds) ?? new Set<string>();
    for (const p of todo) {
      const id = p.user.sourceId;
      const targetKey = this.deps.reader.targetKey(id);
      const expected = this.deps.reader.expect(p.user);
      if (expected.kind === 'refused') {
        this.record({ sourceId: id, targetKey, origin: 'source', verdict: 'refused', detail: { reason: expected.reason } });
        continue;
      }
      if (this.state.mode === 'sample') {
        // A sample's users are read after the source pass, all at the target's pace, not at the
        // pace at which the source yields them (one in many).
        if (inSample(this.state.seed, id, this.state.probability)) this.queue.push({ sourceId: id, position: p.position, fingerprint: p.fingerprint, json: p.json });
        else this.record({ sourceId: id, targetKey, origin: 'source', verdict: 'unsampled' });
        continue;
      }
      await this.readAndJudge(p, targetKey, expected, entries.get(id), events.has(id));
    }
    this.progress('source');
  }

  private async readAndJudge(p: Pending, targetKey: string, expected: Extract<ExpectedUser, { kind: 'sent' }>, entry: LedgerEntry | undefined, pendingEvents: boolean): Promise<void> {
    await this.slot();
    this.spawn(async () => {
      const result = await this.read(() => this.deps.reader.read(p.user.sourceId));
      if (result === undefined) return;
      this.record(this.judge(p, targetKey, expected, result, entry, pendingEvents));
    });
  }

  /** Sample mode: the users the source pass picked, read at the target's pace. */
  async queuedReads(): Promise<void> {
    let after = '';
    for (;;) {
      if (this.deps.signal?.aborted || this.fatal !== undefined) break;
      const batch = this.store.queued(after, CHUNK);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.sourceId;
      const ids = batch.map((q) => q.sourceId);
      const entries = await this.deps.ledger.peek(ids);
      const events = this.deps.inbox?.inFlight(ids) ?? new Set<string>();
      for (const q of batch) {
        const p: Pending = { user: JSON.parse(q.json) as User, fingerprint: q.fingerprint, json: q.json, position: q.position };
        const targetKey = this.deps.reader.targetKey(q.sourceId);
        const expected = this.deps.reader.expect(p.user);
        if (expected.kind === 'refused') {
          this.record({ sourceId: q.sourceId, targetKey, origin: 'source', verdict: 'refused', detail: { reason: expected.reason } });
          continue;
        }
        await this.readAndJudge(p, targetKey, expected, entries.get(q.sourceId), events.has(q.sourceId));
      }
      this.progress('source');
    }
    await this.drain();
    if (this.fatal !== undefined) throw this.fatal;
    if (!this.deps.signal?.aborted) {
      this.state.phase = 'ledger';
      await this.flush(true);
    }
  }

  /** What a source user's read says, explained by the ledger and the inbox. */
  private judge(p: Pending, targetKey: string, expected: Extract<ExpectedUser, { kind: 'sent' }>, result: ReadResult | GaveUp, entry: LedgerEntry | undefined, pendingEvents: boolean): VerifyRow {
    const id = p.user.sourceId;
    const base = { sourceId: id, targetKey, origin: 'source' as const };
    if (result.kind === 'gave-up' || result.kind === 'failed') return { ...base, verdict: 'unreadable', detail: { reason: result.reason } };
    if (result.kind === 'retryable') return { ...base, verdict: 'unreadable', detail: { reason: result.reason } };
    let found: 'missing' | 'drift';
    const detail: Detail = {};
    if (result.kind === 'absent') found = 'missing';
    else {
      const c = compareViews(expected.view, result.view);
      if (c.passwordUnconfirmed) this.state.passwordUnconfirmed += 1;
      if (c.drift.length === 0) return { ...base, verdict: 'ok' };
      found = 'drift';
      detail.fields = c.drift;
    }
    const inflight = inFlightReason(entry, p.fingerprint, pendingEvents);
    if (inflight !== undefined) return { ...base, verdict: 'inflight', detail: { ...detail, found, reason: inflight } };
    const dead = entry?.state === 'dead' ? (entry.reason ?? 'dead-lettered') : this.deps.inbox?.deadReason(id);
    if (this.deps.requeue) this.queueRepair(p, found);
    if (dead !== undefined) return { ...base, verdict: 'dead', detail: { ...detail, found, reason: `dead letter: ${dead}` } };
    if (found === 'missing' && entry === undefined) detail.reason = 'not in the ledger: no run has sent it yet';
    return { ...base, verdict: found, ...(Object.keys(detail).length > 0 ? { detail } : {}) };
  }

  private queueRepair(p: Pending, found: 'missing' | 'drift'): void {
    this.requeue.push({ sourceId: p.user.sourceId, json: p.json, fingerprint: p.fingerprint, position: p.position });
    if (found === 'missing') this.absent.add(p.user.sourceId);
  }

  /** Phase 2: users the ledger says the target has, that the source no longer has. */
  async ledgerPass(): Promise<void> {
    const { ledger, reader } = this.deps;
    this.judged = 0;
    let chunk: string[] = [];
    const judge = async (ids: string[]) => {
      const done = this.store.judged(ids);
      for (const id of ids) {
        if (done.has(id)) continue;
        const targetKey = reader.targetKey(id);
        if (!inSample(this.state.seed, id, this.state.probability)) {
          this.record({ sourceId: id, targetKey, origin: 'ledger', verdict: 'gone', detail: { reason: 'deleted at the source; the ledger says the target still has it (not read: sample)' } });
          continue;
        }
        await this.slot();
        this.spawn(async () => {
          const result = await this.read(() => reader.read(id));
          if (result === undefined) return;
          const base = { sourceId: id, targetKey, origin: 'ledger' as const };
          if (result.kind === 'absent') this.record({ ...base, verdict: 'gone-absent' });
          else if (result.kind === 'found') this.record({ ...base, verdict: 'unexpected', detail: { reason: 'deleted at the source, still in the target (run --full --deletes removes it)' } });
          else this.record({ ...base, verdict: 'unreadable', detail: { reason: result.reason } });
        });
      }
      this.progress('ledger');
    };
    for await (const page of ledger.syncedIds(1000)) {
      chunk.push(...page);
      if (chunk.length >= 1000) {
        const ids = chunk;
        chunk = [];
        await judge(ids);
      }
      if (this.deps.signal?.aborted || this.fatal !== undefined) break;
    }
    if (!this.deps.signal?.aborted && this.fatal === undefined) await judge(chunk);
    await this.drain();
    if (this.fatal !== undefined) throw this.fatal;
    if (!this.deps.signal?.aborted) {
      this.state.phase = this.state.mode === 'full' ? 'list' : 'done';
      await this.flush(true);
    }
  }

  /** Phase 3: every user of the target, page by page; the cursor is saved with each page. */
  async listPass(): Promise<VerifyReport['listing']> {
    const { reader, ledger } = this.deps;
    for (;;) {
      if (this.deps.signal?.aborted) return { done: false, users: this.state.listed };
      const cursor = this.state.listCursor;
      const page = await this.read<ListResult>(() => reader.list(cursor));
      if (page === undefined) return { done: false, users: this.state.listed };
      if (page.kind !== 'page') return { done: false, users: this.state.listed, error: `the listing failed: ${page.reason}` };
      const rows = this.store.byTargetKeys(page.users.map((u) => u.targetKey));
      const unknown = page.users.filter((u) => !rows.has(u.targetKey));
      const legacyIds = unknown.map((u) => u.legacyId ?? u.targetKey);
      const inLedger = await ledger.peek(legacyIds);
      const inSource = this.store.judged(legacyIds);
      for (const u of unknown) {
        const legacy = u.legacyId;
        const base = { sourceId: `target:${u.targetKey}`, targetKey: u.targetKey, origin: 'target' as const, verdict: 'unexpected' as const };
        if (legacy !== undefined && inSource.has(legacy)) {
          this.record({ ...base, detail: { reason: `a second copy of legacy user ${legacy} (the migration's copy is ${reader.targetKey(legacy)})` } });
        } else if (legacy !== undefined) {
          const e = inLedger.get(legacy);
          this.record({ ...base, detail: { reason: e !== undefined ? `legacy user ${legacy}: the ledger has it as ${e.state}, the source no longer has it` : `carries legacy id ${legacy}, which neither the source nor the ledger knows` } });
        } else if (reader.targetKey(u.targetKey) === u.targetKey && inLedger.has(u.targetKey)) {
          // cidaas with sub = legacy id: the ledger knows the user, the source does not.
          this.record({ ...base, detail: { reason: `legacy user ${u.targetKey}: the ledger has it as ${inLedger.get(u.targetKey)?.state ?? '?'}, the source no longer has it` } });
        } else this.state.foreign += 1;
      }
      this.state.listed += page.users.length;
      if (page.next === undefined) this.finishListing();
      else this.state.listCursor = page.next;
      this.progress('list');
      await this.flush(true);
      if (this.state.phase === 'done') return { done: true, users: this.state.listed };
    }
  }

  finishListing(): void {
    this.state.phase = 'done';
    delete this.state.listCursor;
  }

  /** One read through the adaptive limiter; undefined when interrupted (the user stays unjudged). */
  private async read<T extends { kind: string }>(fn: () => Promise<T | Extract<ReadResult, { kind: 'retryable' }>>): Promise<T | GaveUp | undefined> {
    this.activeSince ??= Date.now();
    try {
      return await this.reads.call(fn);
    } catch (err) {
      if (this.deps.signal?.aborted) return undefined;
      throw err;
    }
  }

  private async slot(): Promise<void> {
    while (this.outstanding >= this.bound) await new Promise<void>((r) => this.wake.push(r));
  }

  private spawn(job: () => Promise<void>): void {
    this.outstanding += 1;
    job()
      .catch((err: unknown) => {
        this.fatal ??= err;
      })
      .finally(() => {
        this.outstanding -= 1;
        this.wake.shift()?.();
        if (this.outstanding === 0) for (const w of this.wake.splice(0)) w();
      });
  }

  private async drain(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((r) => this.wake.push(r));
    await this.flush(true);
  }

  private record(row: VerifyRow): void {
    if (this.queue.length >= FLUSH_ROWS) this.flushSoon();
    this.rows.push(row);
    this.judged += 1;
    if (!this.writeAsked && (this.rows.length >= FLUSH_ROWS || Date.now() - this.lastFlush >= FLUSH_MS)) {
      this.flushSoon();
      this.progress(row.origin === 'source' ? 'source' : row.origin === 'ledger' ? 'ledger' : 'list');
    }
  }

  /**
   * Writes judged users, the repairs they need and the progress, together; one write at a time,
   * in order, so that a user's repair is in the ledger before its row says it was judged.
   */
  flush(force = false): Promise<void> {
    const next = this.flushed.then(() => this.write(force));
    this.flushed = next.catch(() => undefined);
    return next;
  }

  /** A flush nobody waits for (from `record`): a failed write stops the passes like a failed read. */
  private flushSoon(): void {
    if (this.writeAsked) return;
    this.writeAsked = true;
    this.flush().catch((err: unknown) => {
      this.fatal ??= err;
    });
  }

  private async write(force: boolean): Promise<void> {
    this.writeAsked = false;
    if (!force && this.rows.length === 0 && this.queue.length === 0) return;
    // Rows judged while the ledger writes go with the next write, together with their repairs.
    const rows = this.rows;
    const queue = this.queue;
    this.rows = [];
    this.queue = [];
    if (this.requeue.length > 0) {
      const users = this.requeue;
      const absent = this.absent;
      this.requeue = [];
      this.absent = new Set();
      this.state.requeued += await this.deps.ledger.requeue(users, absent);
    }
    const now = Date.now();
    const t = this.reads.totals;
    const r = this.state.reads;
    r.calls += t.calls;
    r.throttled += t.throttled;
    r.retries += t.retries;
    t.calls = 0;
    t.throttled = 0;
    t.retries = 0;
    if (this.activeSince !== undefined) {
      r.activeMs += now - this.activeSince;
      this.activeSince = this.outstanding > 0 ? now : undefined;
    }
    r.maxConcurrency = Math.max(r.maxConcurrency, this.reads.maxConcurrency);
    this.store.put(rows, this.state, queue);
    this.lastFlush = now;
  }

  private progress(phase: 'source' | 'ledger' | 'list'): void {
    const done = phase === 'list' ? this.state.listed : this.judged;
    this.deps.onProgress?.({ phase, judged: done, total: phase === 'source' ? Math.max(this.state.population, done) : done });
  }
}

function inFlightReason(entry: LedgerEntry | undefined, fingerprint: string, pendingEvents: boolean): string | undefined {
  if (pendingEvents) return 'events for this user are still pending in the sync';
  if (entry === undefined) return undefined;
  if (entry.state === 'pending') return 'queued in the ledger: the next run sends it';
  if (entry.state === 'leased') return 'being sent by a running process';
  if (entry.fingerprint !== fingerprint && entry.state !== 'dead') return 'changed at the source since the last run: the next run sends it';
  return undefined;
}


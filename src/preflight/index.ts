import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { User } from '../model/index.ts';
import { isFatalTargetError } from '../targets/errors.ts';
import type { PreflightProblem, ReadableTarget, TargetPreflight, TargetReader } from '../targets/target.ts';
import { AdaptiveReads } from '../verify/reads.ts';

/** What `plan` learned from the target before anything is sent. */
export interface PreflightReport {
  /** Problems, errors first; each names the users it would hit where it is about users. */
  problems: PreflightProblem[];
  /** Users of the target listed to find identifiers already taken (and whether the listing stopped early). */
  listed: number;
  listingComplete: boolean;
  /** Read-only calls made to the target. */
  calls: number;
}

export interface PreflightOptions {
  /** Most target users listed for the identifier check (each page is one call). */
  maxListed?: number;
  signal?: AbortSignal;
}

/** Per-user checks during plan's read of the source, then the problems with their counts. */
export interface RunningPreflight {
  inspect(user: User): void;
  finish(): Promise<PreflightReport>;
}

const SAMPLE_CONFLICTS = 5;

/**
 * `plan`'s checks against the target, in three steps around plan's own read of the source:
 * `startPreflight` probes the tenant (token, scopes, pool, schemas) and lists the target's users into
 * a temporary index of their login identifiers; `inspect` checks each source user against it (an
 * identifier held by another target user is refused as a duplicate) and lets the target count what
 * the users need; `finish` looks that up (custom fields, algorithms) and names every problem with
 * the number of users it would hit.
 */
export async function startPreflight(target: ReadableTarget, options: PreflightOptions = {}): Promise<RunningPreflight> {
  const checks: TargetPreflight | undefined = target.preflight?.();
  const reader = target.reader();
  const problems: PreflightProblem[] = [];
  const before = target.stats?.().requests ?? 0;
  problems.push(...((await checks?.probe()) ?? []));
  const reachable = !problems.some((p) => p.key === 'token' || p.key === 'unreachable');
  const index = new IdentifierIndex();
  let listed = 0;
  let listingComplete = false;
  if (reachable) {
    const result = await listInto(reader, index, options.maxListed ?? 100_000, options.signal);
    listed = result.listed;
    listingComplete = result.complete;
    if (result.problem !== undefined) problems.push(result.problem);
    else if (!result.complete) {
      problems.push({
        key: 'identifiers-partly-checked',
        severity: 'warning',
        message: `the target has more than ${listed.toLocaleString('en-US')} users: identifiers already taken were checked against those only`,
        remedy: 'plan --list-max N checks against more (one call per 100 users)',
      });
    }
  }
  let conflicts = 0;
  const samples: string[] = [];
  return {
    inspect(user: User): void {
      if (reachable) checks?.inspect(user);
      if (listed === 0) return;
      // The login identifiers both targets index: e-mail, phone and username, without case.
      const identifiers = [user.email, user.phone, user.username].filter((v): v is string => v !== undefined).map((v) => v.toLowerCase());
      if (identifiers.length === 0) return;
      const own = reader.targetKey(user.sourceId);
      for (const identifier of identifiers) {
        const owner = index.owner(identifier);
        if (owner !== undefined && owner !== own) {
          conflicts += 1;
          if (samples.length < SAMPLE_CONFLICTS) samples.push(`${user.sourceId} (${identifier.includes('@') ? 'its e-mail' : identifier.startsWith('+') ? 'its phone number' : 'its username'} belongs to target user ${owner})`);
          break;
        }
      }
    },
    async finish(): Promise<PreflightReport> {
      try {
        if (reachable) problems.push(...((await checks?.finish()) ?? []));
        if (conflicts > 0) {
          problems.push({
            key: 'identifier-taken',
            severity: 'error',
            users: conflicts,
            message: `identifiers already taken in the target by a different user, e.g. ${samples.join(', ')}: the target refuses these users as duplicates`,
            remedy: 'merge or remove the other target users, or change these users at the source; each needs a decision, not a retry',
          });
        }
        const calls = (target.stats?.().requests ?? 0) - before;
        return { problems: problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1)), listed, listingComplete, calls };
      } finally {
        index.close();
      }
    },
  };
}

async function listInto(
  reader: TargetReader,
  index: IdentifierIndex,
  max: number,
  signal: AbortSignal | undefined,
): Promise<{ listed: number; complete: boolean; problem?: PreflightProblem }> {
  const reads = new AdaptiveReads({ initial: 1, max: 1, maxAttempts: 5, ...(signal ? { signal } : {}) });
  let cursor: string | undefined;
  let listed = 0;
  try {
    for (;;) {
      const page = await reads.call(() => reader.list(cursor));
      if (page.kind !== 'page') {
        return { listed, complete: false, problem: { key: 'listing-failed', severity: 'warning', message: `the target's users could not be listed (${page.reason}): identifiers already taken were not checked` } };
      }
      index.add(page.users);
      listed += page.users.length;
      if (page.next === undefined) return { listed, complete: true };
      if (listed >= max) return { listed, complete: false };
      cursor = page.next;
    }
  } catch (err) {
    if (!isFatalTargetError(err)) throw err;
    return { listed, complete: false, problem: { key: 'listing-refused', severity: 'warning', message: `the target's users could not be listed, so identifiers already taken were not checked: ${err.message}` } };
  }
}

/** Identifier → target user, on disk: a target of millions of users does not fit in memory. */
class IdentifierIndex {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ciam-migrate-plan-'));
  private readonly db = new Database(path.join(this.dir, 'identifiers.sqlite'));
  private readonly insert;
  private readonly lookup;

  constructor() {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`CREATE TABLE ids (identifier TEXT PRIMARY KEY, target_key TEXT NOT NULL) WITHOUT ROWID`);
    this.insert = this.db.prepare(`INSERT OR IGNORE INTO ids (identifier, target_key) VALUES (?, ?)`);
    this.lookup = this.db.prepare<[string], string>(`SELECT target_key FROM ids WHERE identifier = ?`).pluck();
  }

  add(users: ReadonlyArray<{ targetKey: string; identifiers: readonly string[] }>): void {
    this.db.transaction(() => {
      for (const u of users) for (const i of u.identifiers) this.insert.run(i, u.targetKey);
    })();
  }

  owner(identifier: string): string | undefined {
    return this.lookup.get(identifier);
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

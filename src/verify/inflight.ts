import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * What the event sync still owes each user, read from its inbox (src/ledger/inbox/sqlite-schema.ts:
 * `inbox_users`, `inbox_dead`) through a read-only connection: a user with pending events, a lease
 * or a retry due is in flight; a user with dead-lettered events carries their reason. Read-only and
 * outside the inbox's own code on purpose: `verify` must never change the sync's state.
 */
export class InboxLookup {
  private readonly db: Database.Database | undefined;
  private readonly pending: Database.Statement<[string], string> | undefined;
  private readonly dead: Map<string, string>;

  constructor(file: string | undefined) {
    this.dead = new Map();
    if (file === undefined || !existsSync(file)) return;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 30000');
    const has = (t: string) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t) !== undefined;
    if (!has('inbox_users')) {
      db.close();
      return;
    }
    this.db = db;
    this.pending = db
      .prepare<[string], string>(
        `SELECT subject FROM inbox_users WHERE subject IN (SELECT value FROM json_each(?))
           AND (oldest_pending_at IS NOT NULL OR lease_until > 0 OR next_due > 0)`,
      )
      .pluck();
    if (has('inbox_dead')) {
      // Dead letters are few (they are reviewed and retried), and the table has no index by subject.
      for (const r of db.prepare<[], { subject: string; reason: string }>(`SELECT subject, reason FROM inbox_dead WHERE subject IS NOT NULL ORDER BY id`).iterate()) {
        this.dead.set(r.subject, r.reason);
      }
    }
  }

  /** Users among these with events still to apply. */
  inFlight(subjects: readonly string[]): Set<string> {
    if (this.pending === undefined || subjects.length === 0) return new Set();
    return new Set(this.pending.all(JSON.stringify(subjects)));
  }

  /** The latest dead-lettered event's reason for this user, if any. */
  deadReason(subject: string): string | undefined {
    return this.dead.get(subject);
  }

  close(): void {
    this.db?.close();
  }
}

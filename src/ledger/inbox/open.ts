import type { EventInbox } from './inbox.ts';
import { SqliteInbox, type SqliteInboxOptions } from './sqlite.ts';
import { ThreadedSqliteInbox } from './threaded.ts';

export interface OpenInboxOptions extends SqliteInboxOptions {
  /** Run SQLite on its own thread: worth it when the target is remote and a second core is free. */
  thread?: boolean;
}

export function openInbox(file: string, options: OpenInboxOptions = {}): EventInbox {
  const { thread, ...sqlite } = options;
  return thread ? new ThreadedSqliteInbox(file, sqlite) : new SqliteInbox(file, sqlite);
}

/**
 * Worker side of `inbox-threaded.ts`: owns the SQLite connection and runs one inbox call at a
 * time, in arrival order. Messages are `{id, method, args}`; answers `{id, result}` or `{id, error}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isOwnerAlive } from './owner.ts';
import { SqliteInbox, type SqliteInboxOptions } from './inbox-sqlite.ts';

interface Call {
  id: number;
  method: string;
  args: unknown[];
}

const { file, options } = workerData as { file: string; options: SqliteInboxOptions };
const inbox = new SqliteInbox(file, options);
const port = parentPort;
port?.on('message', (call: Call) => {
  // Functions cannot cross threads: the liveness check of lease owners runs here.
  const args = call.method === 'releaseDeadOwners' ? [isOwnerAlive] : call.args;
  const fn = (inbox as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[call.method];
  if (typeof fn !== 'function') {
    port.postMessage({ id: call.id, error: `no inbox method ${call.method}` });
    return;
  }
  fn.apply(inbox, args).then(
    (result) => port.postMessage({ id: call.id, result }),
    (err: unknown) => port.postMessage({ id: call.id, error: err instanceof Error ? err.message : String(err) }),
  );
});

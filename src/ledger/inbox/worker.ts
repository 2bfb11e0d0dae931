/**
 * Worker side of `threaded.ts`: owns the SQLite connection. Calls that arrive while a group
 * is being committed wait in `queue` and form the next group (see group-commit.ts). Messages
 * are `{id, call}` or `{id, close: true}`; answers `{id, answer}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runGroup, type InboxCall } from './group-commit.ts';
import { InboxStore, type SqliteInboxOptions } from './sqlite-store.ts';

type Message = { id: number; call: InboxCall } | { id: number; close: true };

const { file, options } = workerData as { file: string; options: SqliteInboxOptions };
const port = parentPort;
let store: InboxStore | undefined;
let failure = 'the inbox is closed';
try {
  store = new InboxStore(file, options);
} catch (err) {
  // Opening failed (a newer schema, a locked or unreadable file): every call is answered with why.
  failure = err instanceof Error ? err.message : String(err);
}

let queue: { id: number; call: InboxCall }[] = [];
let scheduled = false;

function drain(): void {
  scheduled = false;
  const calls = queue;
  queue = [];
  const answers = store
    ? runGroup(
        store,
        calls.map((c) => c.call),
      )
    : calls.map(() => ({ ok: false as const, error: failure }));
  calls.forEach((c, i) => port?.postMessage({ id: c.id, answer: answers[i] }));
}

port?.on('message', (m: Message) => {
  if ('close' in m) {
    drain();
    store?.close();
    store = undefined;
    port.postMessage({ id: m.id, answer: { ok: true, result: undefined } });
    port.close();
    return;
  }
  queue.push(m);
  if (!scheduled) {
    scheduled = true;
    // After the messages already waiting on the port: they join this group.
    setImmediate(drain);
  }
});

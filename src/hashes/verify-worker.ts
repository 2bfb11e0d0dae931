/**
 * Worker side of worker-pool.ts: verifies one hash at a time. Receives {id, hash, password} and
 * answers {id, ok} or {id, error}; the error text never contains the password or the hash.
 */
import { parentPort } from 'node:worker_threads';
import type { PasswordHash } from '../model/index.ts';
import type { HashLimits } from './limits.ts';
import { verify } from './verify.ts';

interface Task {
  id: number;
  hash: PasswordHash;
  password: string;
  limits?: HashLimits;
}

const port = parentPort;
if (port) {
  port.on('message', (task: Task) => {
    verify(task.hash, task.password, task.limits).then(
      (ok) => port.postMessage({ id: task.id, ok }),
      (e: unknown) => port.postMessage({ id: task.id, error: e instanceof Error ? e.message : 'verification failed' }),
    );
  });
}

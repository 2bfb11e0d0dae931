import { UnsupportedHashError } from './verify.ts';

/** yescrypt verification is not implemented in-process yet: the hash is identified, never guessed at. */
export function verifyYescrypt(_mcf: string, _password: string): Promise<boolean> {
  return Promise.reject(new UnsupportedHashError('yescrypt'));
}

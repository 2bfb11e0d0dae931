import type { IdentifyResult } from './types.ts';
import type { PasswordHash } from '../model/index.ts';

/** A redacted description of a value: never echo a hash back into logs or reports. */
export function describe(value: string): string {
  const head = value.slice(0, 40);
  const prefix = /^(\$[A-Za-z0-9-]{1,20}\$|\{[A-Za-z0-9-]{1,20}\}|[a-z0-9_]{1,20}\$)/.exec(head)?.[0];
  return `${value.length} characters${prefix ? `, starting ${prefix}` : ''}`;
}

export function ok(hash: PasswordHash): IdentifyResult {
  return { ok: true, hash };
}

export function unrecognised(value: string, why?: string): IdentifyResult {
  return { ok: false, reason: `unrecognised: ${describe(value)}${why ? ` (${why})` : ''}` };
}

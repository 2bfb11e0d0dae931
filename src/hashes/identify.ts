import type { PasswordSpec } from '../config/mapping.ts';
import type { PasswordHash } from '../model/index.ts';

/** What the config says about a stored hash that is not self-describing. */
export type HashHint = Partial<Omit<PasswordSpec, 'from'>>;

export type IdentifyResult = { ok: true; hash: PasswordHash } | { ok: false; reason: string };

const BCRYPT = /^\$(2[abxy]?)\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** Recognise a stored password hash. Never guesses an ambiguous bare digest: the hint must say. */
export function identify(value: string, hint: HashHint = {}): IdentifyResult {
  const format = hint.format ?? 'auto';
  const m = BCRYPT.exec(value);
  if (m && (format === 'auto' || format === 'bcrypt')) {
    return {
      ok: true,
      hash: {
        algorithm: 'bcrypt',
        format: 'bcrypt',
        params: { variant: m[1] ?? '2b', cost: Number(m[2]) },
        salt: m[3],
        hash: m[4] ?? '',
        encoded: value,
      },
    };
  }
  return { ok: false, reason: `unrecognised: ${describe(value)}` };
}

/** A redacted description of a value: never echo a hash back into logs or reports. */
export function describe(value: string): string {
  const prefix = /^(\$[A-Za-z0-9-]+\$|\{[A-Z0-9-]+\}|[a-z0-9_]+\$)/.exec(value)?.[0];
  return `${value.length} characters${prefix ? `, starting ${prefix}` : ''}`;
}

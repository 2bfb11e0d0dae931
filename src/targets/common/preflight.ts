import type { HttpClient } from '../../delivery/http-client.ts';
import { TransportError } from '../../delivery/http-client.ts';
import { clientCredentials, TokenRequestError, type ClientCredentialsOptions } from '../../delivery/oauth-client-credentials.ts';
import { isFatalTargetError } from '../errors.ts';
import type { PreflightProblem } from '../target.ts';
import { answered, parseBody } from './read.ts';
import type { TargetSession } from './session.ts';

/** The token request of `plan`'s probe: granted scopes as the token endpoint lists them, or the problem. */
export type TokenProbe =
  | { ok: true; scopes: ReadonlySet<string> | undefined }
  | { ok: false; problem: PreflightProblem };

/**
 * Asks for a token the way the adapter does. `scopes` is undefined when the answer lists none: then
 * the client has exactly what it asked for if it asked (RFC 6749 §5.1), and nothing is known otherwise.
 */
export async function probeToken(target: string, http: HttpClient, options: ClientCredentialsOptions, badClient: string): Promise<TokenProbe> {
  try {
    const token = await clientCredentials(http, options)();
    const listed = token.scope?.split(/\s+/).filter((s) => s !== '');
    const requested = options.scopes ?? [];
    const scopes = listed !== undefined ? new Set(listed) : requested.length > 0 ? new Set(requested) : undefined;
    return { ok: true, scopes };
  } catch (err) {
    if (err instanceof TokenRequestError) {
      return {
        ok: false,
        problem: {
          key: 'token',
          severity: 'error',
          message: `${target}: the token endpoint refused the client (HTTP ${err.status}${err.vendorMessage ? `: ${err.vendorMessage}` : ''})`,
          remedy: badClient,
        },
      };
    }
    if (err instanceof TransportError) {
      return {
        ok: false,
        problem: { key: 'unreachable', severity: 'error', message: `${target}: cannot reach ${http.origin} (${err.failure})`, remedy: 'check baseUrl, network and TLS settings (caFile)' },
      };
    }
    throw err;
  }
}

export interface ScopeNeed {
  scope: string;
  severity: 'error' | 'warning';
  /** What fails without it, e.g. "run cannot send users". */
  without: string;
  remedy: string;
}

/** One problem per needed scope the token does not carry; one warning when the grant is not listed at all. */
export function scopeProblems(target: string, granted: ReadonlySet<string> | undefined, needs: readonly ScopeNeed[]): PreflightProblem[] {
  if (granted === undefined) {
    return [
      {
        key: 'scopes-unlisted',
        severity: 'warning',
        message: `${target}: the token endpoint does not say which scopes the client was granted, so ${needs.map((n) => n.scope).join(', ')} could not be checked`,
        remedy: 'list the scopes under target.scopes: the token request then fails at once if one is missing',
      },
    ];
  }
  return needs
    .filter((n) => !granted.has(n.scope))
    .map((n) => ({ key: `scope:${n.scope}`, severity: n.severity, message: `${target}: the client lacks scope ${n.scope}: ${n.without}`, remedy: n.remedy }));
}

/** The JSON kind of a custom attribute value, as field setups and schemas type it. */
export function valueKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Counts per key and per (key, kind), for what `finish` checks against the tenant. */
export class UsageCounter {
  readonly users = new Map<string, number>();
  readonly kinds = new Map<string, Map<string, number>>();

  add(key: string, kind?: string): void {
    this.users.set(key, (this.users.get(key) ?? 0) + 1);
    if (kind === undefined) return;
    let m = this.kinds.get(key);
    if (m === undefined) {
      m = new Map();
      this.kinds.set(key, m);
    }
    m.set(kind, (m.get(kind) ?? 0) + 1);
  }

  /** Users whose value for `key` is of a kind `accepts` refuses. */
  mismatched(key: string, accepts: (kind: string) => boolean): number {
    let n = 0;
    for (const [kind, count] of this.kinds.get(key) ?? []) if (kind !== 'null' && !accepts(kind)) n += count;
    return n;
  }
}

export const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** A tenant setting as `plan` reads it: found with its JSON body, missing (404), or unreadable and why. */
export type SetupRead = { kind: 'found'; body: unknown } | { kind: 'missing' } | { kind: 'unreadable'; reason: string };

/**
 * GET one setup resource for `plan`'s checks. A refused token or a dead target makes the check
 * unreadable (plan reports it) instead of ending the plan; other errors propagate.
 */
export async function readSetup(session: TargetSession, path: string): Promise<SetupRead> {
  let ex;
  try {
    ex = await session.send({ method: 'GET', path });
  } catch (err) {
    if (isFatalTargetError(err)) return { kind: 'unreadable', reason: err.message };
    throw err;
  }
  const res = answered(ex);
  if (res.kind === 'retryable') return { kind: 'unreadable', reason: res.reason };
  if (res.status === 404) return { kind: 'missing' };
  if (res.status !== 200) return { kind: 'unreadable', reason: `HTTP ${res.status}` };
  return { kind: 'found', body: parseBody(res.text) };
}

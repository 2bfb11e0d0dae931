import { randomBytes } from 'node:crypto';
import type { Clock } from './types.ts';

export interface IssuedToken {
  clientId: string;
  scopes: ReadonlySet<string>;
  expiresAt: number;
  /** Cloudentity binds a token to its tenant. */
  tenant?: string;
}

export type TokenCheck =
  | { ok: true; token: IssuedToken }
  | { ok: false; reason: 'missing token' | 'invalid token' | 'expired token' };

/** Opaque random bearer tokens; the emulator never needs to parse them, only to look them up. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly clock: Clock) {}

  issue(clientId: string, scopes: readonly string[], ttlSeconds: number, tenant?: string): string {
    const value = randomBytes(24).toString('base64url');
    const token: IssuedToken = { clientId, scopes: new Set(scopes), expiresAt: this.clock() + ttlSeconds * 1000 };
    if (tenant !== undefined) token.tenant = tenant;
    this.tokens.set(value, token);
    return value;
  }

  check(authorization: string | undefined): TokenCheck {
    if (authorization === undefined) return { ok: false, reason: 'missing token' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (m === null) return { ok: false, reason: 'missing token' };
    const token = this.tokens.get(m[1] as string);
    if (token === undefined) return { ok: false, reason: 'invalid token' };
    if (token.expiresAt <= this.clock()) {
      this.tokens.delete(m[1] as string);
      return { ok: false, reason: 'expired token' };
    }
    return { ok: true, token };
  }
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

export type ClientAuth = { ok: true; credentials: ClientCredentials } | { ok: false; reason: string };

/** client_secret_basic (RFC 6749 §2.3.1: form-urlencoded id and secret inside Basic) or client_secret_post. */
export function readClientCredentials(authorization: string | undefined, params: Record<string, string>): ClientAuth {
  const basic = authorization !== undefined ? /^Basic\s+(\S+)\s*$/i.exec(authorization) : null;
  const postId = params['client_id'];
  const postSecret = params['client_secret'];
  if (basic !== null) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, reason: 'malformed basic credentials' };
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      return { ok: false, reason: 'malformed basic credentials' };
    }
    if (postSecret !== undefined) return { ok: false, reason: 'more than one client authentication method' };
    if (postId !== undefined && postId !== clientId) return { ok: false, reason: 'client_id mismatch' };
    return { ok: true, credentials: { clientId, clientSecret, method: 'client_secret_basic' } };
  }
  if (postId === undefined || postSecret === undefined) return { ok: false, reason: 'missing client credentials' };
  return { ok: true, credentials: { clientId: postId, clientSecret: postSecret, method: 'client_secret_post' } };
}

/** Requested scopes must all be granted to the client; none requested means all of the client's. */
export function grantScopes(clientScopes: readonly string[], requested: string | undefined): string[] | undefined {
  if (requested === undefined || requested.trim() === '') return [...clientScopes];
  const wanted = requested.split(/[\s,]+/).filter((s) => s.length > 0);
  return wanted.every((s) => clientScopes.includes(s)) ? wanted : undefined;
}

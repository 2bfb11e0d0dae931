import { redactSecrets, registerSecret } from '../observe/redact.ts';
import { parseRetryAfter } from './http-client.ts';
import type { HttpClient } from './http-client.ts';
import type { FetchedToken } from './token-cache.ts';

export interface ClientCredentialsOptions {
  tokenPath: string;
  clientId: string;
  clientSecret: string;
  scopes?: string[];
  /** `post` puts the credentials in the form body, `basic` in the Authorization header. */
  auth?: 'post' | 'basic';
}

/**
 * The token endpoint answered, but not with a token. Never carries the secret or the raw body: the
 * vendor's words are redacted (a token endpoint may echo the form it got, `client_secret=…` included).
 */
export class TokenRequestError extends Error {
  readonly vendorMessage: string;

  constructor(
    readonly status: number,
    vendorMessage: string,
    readonly retryAfterMs?: number,
    /** Where the request went (origin and path, no query), for "not found" advice. */
    readonly endpoint?: string,
  ) {
    const clean = redactSecrets(vendorMessage);
    super(`token request refused with HTTP ${status}${clean ? `: ${clean}` : ''}`);
    this.vendorMessage = clean;
    this.name = 'TokenRequestError';
  }
}

export function clientCredentials(
  http: HttpClient,
  o: ClientCredentialsOptions,
): () => Promise<FetchedToken> {
  // The secret and every token fetched are registered, so that no later text can show them.
  registerSecret(o.clientSecret);
  return async () => {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    const headers: Record<string, string> = {};
    if (o.auth === 'basic') {
      const basic = Buffer.from(
        `${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`,
      ).toString('base64');
      headers.authorization = `Basic ${basic}`;
    } else {
      form.client_id = o.clientId;
      form.client_secret = o.clientSecret;
    }
    if (o.scopes && o.scopes.length > 0) form.scope = o.scopes.join(' ');
    const res = await http.request({ method: 'POST', path: o.tokenPath, form, headers });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      // a non-JSON answer is reported by status alone
    }
    if (res.status !== 200 || typeof body.access_token !== 'string') {
      const retryAfter = res.headers['retry-after'];
      throw new TokenRequestError(
        res.status,
        redactSecrets(oauthErrorText(body), { secrets: [o.clientSecret], maxLength: 300 }),
        parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
        `${http.origin}${http.basePath}${o.tokenPath.split('?')[0] ?? ''}`,
      );
    }
    registerSecret(body.access_token);
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      ...(Number.isFinite(expiresIn) ? { expiresIn } : {}),
      ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
    };
  };
}

function oauthErrorText(body: Record<string, unknown>): string {
  // RFC 6749 puts a string in `error`; cidaas nests its own error object there.
  const nested = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && v !== null)
      return nested((v as Record<string, unknown>).error ?? (v as Record<string, unknown>).message);
    return undefined;
  };
  const parts = [body.error, body.error_description, body.error_hint]
    .map(nested)
    .filter((v): v is string => v !== undefined && v !== '');
  // Cut after redaction (the caller's), never before: a cut secret no longer matches anything.
  return parts.join(': ').slice(0, 4000);
}

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

/** The token endpoint answered, but not with a token. Never carries the secret or the raw body. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly vendorMessage: string,
    readonly retryAfterMs?: number,
  ) {
    super(`token request refused with HTTP ${status}${vendorMessage ? `: ${vendorMessage}` : ''}`);
    this.name = 'TokenRequestError';
  }
}

export function clientCredentials(
  http: HttpClient,
  o: ClientCredentialsOptions,
): () => Promise<FetchedToken> {
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
        oauthErrorText(body),
        parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      );
    }
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
  return parts.join(': ').slice(0, 300);
}

import { sleep } from '../../delivery/aimd.ts';
import { backoffWithJitter } from '../../delivery/backoff.ts';
import { TransportError } from '../../delivery/http-client.ts';
import type { HttpClient, HttpRequest, HttpResponse, TransportFailure } from '../../delivery/http-client.ts';
import { TokenRequestError } from '../../delivery/oauth-client-credentials.ts';
import type { TokenCache } from '../../delivery/token-cache.ts';
import { TargetAuthError, TargetConfigError, TargetUnreachableError } from '../errors.ts';

/** An HTTP answer the adapter must interpret, or a reason to try the whole call again later. */
export type Exchange =
  | { kind: 'response'; res: HttpResponse }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; mayHaveLanded?: boolean };

/** Failures after which the request may have reached the target (as opposed to never leaving). */
const UNANSWERED: ReadonlySet<TransportFailure> = new Set<TransportFailure>(['timeout', 'dropped', 'other']);

export interface AuthAdvice {
  /** Turn a 403 body into the sentence a person needs: which scope or setting is missing, and whom to ask. */
  forbidden(res: HttpResponse, req: HttpRequest): { message: string; remedy: string };
  /** What to check when the token endpoint refuses the client itself. */
  badClient: string;
}

/**
 * How `open()` retries a token endpoint that answers "not now" (429, 5xx, a timeout): a tenant's
 * identity service restarting, or a gateway's hiccup, should not stop a run or a sync service at
 * start. Full-jitter backoff; 6 attempts span about 8–15 s.
 */
export interface OpenRetry {
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_OPEN_RETRY: OpenRetry = { attempts: 6, baseMs: 500, capMs: 8_000 };

export interface SessionCounters {
  requests: number;
  tokenRefreshesAfter401: number;
}

/**
 * Bearer-authenticated calls to one target: a cached client-credentials token, one refresh and
 * one repeat on a 401, fatal errors for what retrying cannot fix. Never returns a token in a reason.
 */
export class TargetSession {
  private everConnected = false;
  readonly counters: SessionCounters = { requests: 0, tokenRefreshesAfter401: 0 };

  constructor(
    private readonly target: string,
    readonly http: HttpClient,
    private readonly tokens: TokenCache,
    private readonly advice: AuthAdvice,
    private readonly openRetry: OpenRetry = DEFAULT_OPEN_RETRY,
  ) {}

  /** The transport half of `TargetStats`; adapters add their own counters. */
  stats(): { requests: number; tokenFetches: number; tokenRefreshesAfter401: number } {
    return { requests: this.counters.requests, tokenFetches: this.tokens.fetchCount, tokenRefreshesAfter401: this.counters.tokenRefreshesAfter401 };
  }

  /**
   * Fetch a token now so that a bad URL or bad credentials stop the run before any user is claimed.
   * "Not now" answers are retried with backoff (see `OpenRetry`); refusals and a missing endpoint
   * are fatal at once.
   */
  async open(): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const t = await this.token();
      if (typeof t === 'string') return;
      if (attempt >= this.openRetry.attempts) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        throw new TargetUnreachableError(this.target, this.http.origin, `${t.reason}, ${attempt} attempts over ${seconds} s`);
      }
      const backoff = backoffWithJitter(attempt, this.openRetry.baseMs, this.openRetry.capMs);
      await sleep(Math.min(Math.max(backoff, t.retryAfterMs ?? 0), Math.max(this.openRetry.capMs, backoff)));
    }
  }

  async send(req: HttpRequest): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token();
      if (typeof token !== 'string') return token;
      let res: HttpResponse;
      try {
        this.counters.requests++;
        res = await this.http.request({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${token}` },
        });
      } catch (err) {
        return this.transportFailure(err, true);
      }
      this.everConnected = true;
      if (res.status === 401) {
        if (attempt === 0) {
          this.tokens.invalidate(token);
          this.counters.tokenRefreshesAfter401++;
          continue;
        }
        throw new TargetAuthError(
          this.target,
          401,
          `${req.method} ${pathOnly(req.path)} refused a freshly issued token (HTTP 401)`,
          this.advice.badClient,
        );
      }
      if (res.status === 403) {
        const { message, remedy } = this.advice.forbidden(res, req);
        throw new TargetAuthError(this.target, 403, message, remedy);
      }
      return { kind: 'response', res };
    }
  }

  private async token(): Promise<string | Extract<Exchange, { kind: 'retryable' }>> {
    try {
      const t = await this.tokens.get();
      this.everConnected = true;
      return t;
    } catch (err) {
      if (err instanceof TokenRequestError) {
        this.everConnected = true;
        if (err.status === 429 || err.status >= 500) {
          return {
            kind: 'retryable',
            reason: `token endpoint answered HTTP ${err.status}`,
            ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
          };
        }
        const detail = err.vendorMessage ? `: ${err.vendorMessage}` : '';
        if (err.status === 404 || err.status === 405) {
          // Not the client's fault: nothing answers token requests at that path.
          throw new TargetConfigError(
            this.target,
            `the token endpoint ${err.endpoint ?? this.http.origin} answered HTTP ${err.status} (not found${detail}): check baseUrl (a path prefix there is kept) and tokenPath`,
          );
        }
        throw new TargetAuthError(
          this.target,
          err.status,
          `the token endpoint refused the client (HTTP ${err.status}${detail})`,
          this.advice.badClient,
        );
      }
      return this.transportFailure(err);
    }
  }

  /** `sent`: the failed request carried the call itself (not a token request). */
  private transportFailure(err: unknown, sent = false): Extract<Exchange, { kind: 'retryable' }> {
    if (!(err instanceof TransportError)) throw err;
    if (err.failure === 'tls') {
      throw new TargetUnreachableError(
        this.target,
        this.http.origin,
        'TLS verification failed; add the CA with caFile',
        { cause: err },
      );
    }
    if (!this.everConnected && (err.failure === 'refused' || err.failure === 'dns')) {
      throw new TargetUnreachableError(
        this.target,
        this.http.origin,
        err.failure === 'refused' ? 'connection refused' : 'host not found',
        { cause: err },
      );
    }
    return { kind: 'retryable', reason: `transport: ${err.failure}`, ...(sent && UNANSWERED.has(err.failure) ? { mayHaveLanded: true } : {}) };
  }
}

function pathOnly(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}

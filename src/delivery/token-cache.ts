export interface FetchedToken {
  accessToken: string;
  /** Lifetime in seconds as the token endpoint said; absent means unknown. */
  expiresIn?: number;
  /** Granted scopes as the token endpoint listed them (space-separated); `plan` checks them. */
  scope?: string;
}

export interface TokenCacheOptions {
  /** Refresh this long before expiry (capped at a tenth of the lifetime for short-lived tokens). */
  refreshBeforeMs?: number;
  /** Assumed lifetime when the endpoint does not say. */
  defaultLifetimeMs?: number;
  now?: () => number;
}

/**
 * One token per target, shared by every concurrent call. Concurrent callers wait on the same fetch
 * so a burst of requests at expiry costs one token request, not one per worker.
 */
export class TokenCache {
  private token: { value: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private fetches = 0;
  private readonly now: () => number;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    private readonly options: TokenCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drop the token if it is still the one a 401 came back for; a newer one is kept. */
  invalidate(rejected: string): void {
    if (this.token?.value === rejected) this.token = undefined;
  }

  /** How many tokens were fetched: lets tests and the report see refreshes. */
  get fetchCount(): number {
    return this.fetches;
  }

  private async refresh(): Promise<string> {
    const t = await this.fetchToken();
    this.fetches++;
    const lifetime =
      t.expiresIn !== undefined && t.expiresIn > 0
        ? t.expiresIn * 1000
        : (this.options.defaultLifetimeMs ?? 300_000);
    const skew = Math.min(this.options.refreshBeforeMs ?? 60_000, lifetime / 10);
    this.token = { value: t.accessToken, refreshAt: this.now() + lifetime - skew };
    return t.accessToken;
  }
}

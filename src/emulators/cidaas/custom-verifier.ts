import type { CidaasPasswordHashInfo } from '../../targets/cidaas/wire/hash.ts';

/**
 * How the emulator calls a customer's verifier for CUSTOM_* algorithms, as cidaas does at a
 * migrated user's first login. Published: `POST <url>?action=compare`, "OAuth2-secured", body
 * `{passwordVerification:{passwordHash,hData}, password, algorithm}`, answer `{data:{verified}}`
 * (contracts/cidaas.md §3.3). cidaas's own sample service (cidaas-connect/custom-pw-hash) is called
 * at a bare path and checks no credentials. How cidaas authenticates is not published, so every
 * plausible way is a setting; the verifier (`ciam-migrate verifier`) accepts all of them.
 */
export interface CustomVerifierOptions {
  url: string;
  /**
   * `client-credentials`: a token from `tokenUrl` (client_secret_post form), sent as Bearer;
   * `bearer`: a static token configured on the algorithm; `basic`: the client credentials as Basic
   * auth on the compare call itself; `none`: no Authorization header.
   */
  auth: 'client-credentials' | 'bearer' | 'basic' | 'none';
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Default: `/token` at the verifier's origin (where `ciam-migrate verifier` serves it). */
  tokenUrl?: string | undefined;
  token?: string | undefined;
  /** `query` appends `?action=compare` (documented); `none` calls the URL as it is (cidaas's sample). */
  action: 'query' | 'none';
  timeoutMs: number;
}

export type RemoteVerdict = { kind: 'match' } | { kind: 'mismatch' } | { kind: 'error'; detail: string };

/** Calls the verifier; keeps one token until it expires, fetches a new one once on a 401. */
export class CustomVerifierClient {
  private token: { value: string; until: number } | undefined;

  constructor(
    private readonly o: CustomVerifierOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async compare(info: CidaasPasswordHashInfo, password: string): Promise<RemoteVerdict> {
    const url = new URL(this.o.url);
    if (this.o.action === 'query') url.searchParams.set('action', 'compare');
    const body = JSON.stringify({
      passwordVerification: { passwordHash: info.passwordHash, hData: info.hData ?? {} },
      password,
      algorithm: info.algorithmTypeId,
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      let authorization: string | undefined;
      try {
        authorization = await this.authorization(attempt > 0);
      } catch (e) {
        return { kind: 'error', detail: `verifier token request failed: ${(e as Error).message}` };
      }
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
      } catch (e) {
        return { kind: 'error', detail: `verifier unreachable: ${(e as Error).message}` };
      }
      if (res.status === 401 && attempt === 0 && this.o.auth === 'client-credentials') {
        this.token = undefined;
        continue;
      }
      // Anything but a 2xx is the verifier failing, not the password: a login would fail, but the
      // rehearsal must say why instead of reporting a wrong password.
      if (!res.ok) return { kind: 'error', detail: `verifier answered HTTP ${res.status}` };
      const parsed = (await res.json().catch(() => undefined)) as { data?: { verified?: unknown } } | undefined;
      if (typeof parsed?.data?.verified !== 'boolean') return { kind: 'error', detail: 'verifier answer without data.verified' };
      return parsed.data.verified ? { kind: 'match' } : { kind: 'mismatch' };
    }
    return { kind: 'error', detail: 'verifier refused a fresh token (HTTP 401)' };
  }

  private async authorization(fresh: boolean): Promise<string | undefined> {
    switch (this.o.auth) {
      case 'none':
        return undefined;
      case 'bearer':
        return this.o.token === undefined ? undefined : `Bearer ${this.o.token}`;
      case 'basic':
        return `Basic ${Buffer.from(`${encodeURIComponent(this.o.clientId ?? '')}:${encodeURIComponent(this.o.clientSecret ?? '')}`).toString('base64')}`;
      case 'client-credentials': {
        if (fresh || this.token === undefined || this.token.until <= this.now()) this.token = await this.fetchToken();
        return `Bearer ${this.token.value}`;
      }
    }
  }

  private async fetchToken(): Promise<{ value: string; until: number }> {
    const tokenUrl = this.o.tokenUrl ?? new URL('/token', this.o.url).toString();
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.o.clientId ?? '', client_secret: this.o.clientSecret ?? '' }).toString(),
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (!res.ok || typeof body.access_token !== 'string') throw new Error(`HTTP ${res.status}`);
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 300_000;
    return { value: body.access_token, until: this.now() + lifetime * 0.9 };
  }
}

/** Small fetch helpers for driving the emulators over real loopback HTTP. */

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests assert on arbitrary JSON
}

export async function call(url: string, init: { method?: string; token?: string; json?: unknown; headers?: Record<string, string>; body?: string } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export function form(params: Record<string, string>): { body: string; headers: Record<string, string> } {
  return { body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function cidaasToken(url: string, clientId = 'ciam-migrate', clientSecret = 'ciam-migrate-secret'): Promise<string> {
  const r = await call(`${url}/token-srv/token`, { json: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
  if (r.status !== 200) throw new Error(`token: ${r.status}`);
  return r.body.access_token as string;
}

export async function cloudentityToken(url: string, tenant = 'default', clientId = 'ciam-migrate', clientSecret = 'ciam-migrate-secret', scope?: string): Promise<string> {
  const params: Record<string, string> = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret };
  if (scope !== undefined) params['scope'] = scope;
  const f = form(params);
  const r = await call(`${url}/${tenant}/system/oauth2/token`, { method: 'POST', ...f });
  if (r.status !== 200) throw new Error(`token: ${r.status}`);
  return r.body.access_token as string;
}

/** Asserts the nested cidaas error body and returns its message. */
export function expectCidaasError(r: JsonResponse, status: number): string {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  const b = r.body;
  if (b?.success !== false || b.status !== status || b.error?.status !== status || typeof b.error?.error !== 'string' || typeof b.error?.referenceNumber !== 'string' || b.error?.moreInfo !== '' || typeof b.error?.type !== 'string') {
    throw new Error(`not a cidaas error body: ${JSON.stringify(b)}`);
  }
  return b.error.error as string;
}

/** Asserts the Cloudentity error body `{status_code, error, error_code, details}`. */
export function expectCeError(r: JsonResponse, status: number): string {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  const b = r.body;
  if (b?.status_code !== status || typeof b.error !== 'string' || typeof b.error_code !== 'string' || typeof b.details !== 'object') {
    throw new Error(`not a Cloudentity error body: ${JSON.stringify(b)}`);
  }
  return b.error as string;
}

import { readFileSync } from 'node:fs';
import { setImmediate as nextCheckPhase } from 'node:timers/promises';
import { rootCertificates } from 'node:tls';
import { Pool, errors as undiciErrors } from 'undici';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpClientOptions {
  /** Origin plus an optional path prefix, e.g. `https://acme.cidaas.eu` or `https://host/base`. */
  baseUrl: string;
  /** PEM file with an extra CA. It is added to the system roots; verification is never turned off. */
  caFile?: string;
  timeoutMs: number;
  connections?: number;
  keepAliveMs?: number;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, starting with `/`; may carry a query string. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as `application/json` unless `form` is given. */
  json?: unknown;
  /** Already serialised JSON, sent as it is (bodies assembled from pre-encoded parts). */
  jsonText?: string;
  form?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Why a request produced no HTTP answer. `refused` at start means the target is not there at all. */
export type TransportFailure = 'refused' | 'timeout' | 'dropped' | 'tls' | 'dns' | 'other';

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/**
 * One keep-alive connection pool per target origin. It never logs and never puts request bodies
 * or headers into errors, because both carry secrets (tokens, client secrets, hashes).
 */
export class HttpClient {
  private readonly pool: Pool;
  private readonly prefix: string;
  readonly origin: string;
  /** The base URL's path prefix without a trailing slash ('' for none). */
  get basePath(): string {
    return this.prefix;
  }

  constructor(private readonly options: HttpClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.prefix = url.pathname.replace(/\/+$/, '');
    const ca = options.caFile ? [...rootCertificates, readFileSync(options.caFile, 'utf8')] : undefined;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 16,
      keepAliveTimeout: options.keepAliveMs ?? 30_000,
      connect: { rejectUnauthorized: true, ...(ca ? { ca } : {}) },
    });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.jsonText !== undefined || req.json !== undefined) {
      body = req.jsonText ?? JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    const timeout = req.timeoutMs ?? this.options.timeoutMs;
    try {
      const res = await this.pool.request({
        method: req.method,
        path: this.prefix + req.path,
        headers,
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout + 1_000),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      throw toTransportError(err, `${req.method} ${this.origin}${this.prefix}${stripQuery(req.path)}`);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function stripQuery(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}

function toTransportError(err: unknown, what: string): TransportError {
  const code = errorCode(err);
  const failure = classifyTransport(err, code);
  return new TransportError(failure, `${what}: ${failure}${code ? ` (${code})` : ''}`, { cause: err });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function classifyTransport(err: unknown, code: string | undefined): TransportFailure {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError ||
    code === 'ETIMEDOUT' ||
    (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
  ) {
    return 'timeout';
  }
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')
    return 'tls';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return 'dropped';
  return 'other';
}

/**
 * Resolves once the requests started so far have been written. undici writes a request on a kept-
 * alive socket one check phase later (it first lets the socket show whether the server closed it),
 * so work queued with setImmediate before that phase runs first and holds the request back: a
 * settle of 1 ms delayed every call of a latency-bound run by 1.2 ms (98.5 instead of 97.3 % of
 * the target's limit once waited for).
 */
export async function afterRequestWrites(): Promise<void> {
  await nextCheckPhase();
  await nextCheckPhase();
}

export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | undefined, now: () => number = Date.now): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

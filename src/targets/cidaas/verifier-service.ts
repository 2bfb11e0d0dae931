import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { identify } from '../../hashes/identify.ts';
import { DEFAULT_HASH_LIMITS, HashLimitError, exceededLimit, type HashLimits } from '../../hashes/limits.ts';
import { constantTimeEqualString } from '../../hashes/primitives.ts';
import type { HashHint } from '../../hashes/types.ts';
import { VerifyDeadlineError, VerifyPool } from '../../hashes/worker-pool.ts';
import { registerSecret } from '../../observe/redact.ts';

export interface VerifierServiceOptions {
  port: number;
  host?: string;
  /** Client credentials cidaas uses at `POST /token` (OAuth2 client_credentials), or as Basic auth on the compare call. */
  clientId: string;
  clientSecret: string;
  /** Alternatively (or as well) a shared bearer token configured on the cidaas CUSTOM_* algorithm. */
  bearerToken?: string;
  /** Secrets and defaults identify() needs that the hash data does not carry (HMAC key, Firebase params, format). */
  hashHint?: HashHint;
  /** Path of the compare endpoint (cidaas calls `POST <url>?action=compare`). Default `/verify`. */
  path?: string;
  tokenTtlSeconds?: number;
  /**
   * Worker threads that run the checks; the service makes its own (`workers` of them) when not
   * given one. The main thread only parses, authorises and answers, so it stays responsive.
   */
  pool?: VerifyPool;
  workers?: number;
  /** Cost bounds (limits.ts): a hash above them is refused at once, before any work. */
  limits?: HashLimits;
  /** Longest one compare may take, queueing included; then 503 and the worker is replaced. Default 5000. */
  deadlineMs?: number;
  /** Compares waiting for a worker beyond the busy ones; more answer 503. Default 16 per worker. */
  maxQueued?: number;
  /** Token requests per second and client address (burst twice that); more answer 429. Default 5. */
  tokenRatePerSecond?: number;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface VerifierService {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface CompareBody {
  passwordVerification?: { passwordHash?: unknown; hData?: Record<string, unknown> };
  password?: unknown;
  algorithm?: unknown;
}

const HINT_KEYS = ['format', 'salt', 'saltEncoding', 'saltPosition', 'encoding', 'iterations'] as const;
/** Live tokens kept at most; the oldest go first (each is one client_credentials grant). */
const MAX_TOKENS = 10_000;
/** Client addresses whose token-request budget is tracked at once. */
const MAX_RATE_KEYS = 10_000;

/** Per-user hint from `hData` (written by cidaasVerifierInfo); config secrets come from the service's own hint. */
export function hintFromHData(hData: Record<string, unknown> | undefined, base: HashHint = {}): HashHint {
  const hint: Record<string, unknown> = { ...base };
  // cidaasVerifierInfo marks an identify-ready per-user format with `encoding`; any other hData.format
  // just names the legacy container (self-describing anyway) and must not override the configured one.
  const perUserFormat = typeof hData?.encoding === 'string';
  for (const key of HINT_KEYS) {
    if (key === 'format' && !perUserFormat) continue;
    const v = hData?.[key];
    if (typeof v === 'string' && v !== '') hint[key] = key === 'iterations' ? Number(v) : v;
  }
  return hint as HashHint;
}

type Credentials =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; id: string; secret: string; raw: { id: string; secret: string } }
  | { kind: 'malformed'; why: string };

/** The Authorization header, parsed; `malformed` is a 400 (a broken header is the caller's bug, not a wrong secret). */
export function parseAuthorization(header: string | string[] | undefined): Credentials {
  if (header === undefined) return { kind: 'none' };
  if (typeof header !== 'string') return { kind: 'malformed', why: 'several Authorization headers' };
  const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(header);
  if (!m?.[1] || !m[2]) return { kind: 'malformed', why: 'Authorization needs a scheme and credentials' };
  const scheme = m[1].toLowerCase();
  if (scheme === 'bearer') return { kind: 'bearer', token: m[2] };
  if (scheme !== 'basic') return { kind: 'malformed', why: `unsupported Authorization scheme ${m[1].slice(0, 20)}` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(m[2])) return { kind: 'malformed', why: 'Basic credentials are not base64' };
  const decoded = Buffer.from(m[2], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return { kind: 'malformed', why: 'Basic credentials without ":"' };
  // RFC 6749 §2.3.1: client id and secret are URL-encoded before they are joined; many clients
  // (curl -u) do not encode, so the raw pair is tried as well.
  const raw = { id: decoded.slice(0, i), secret: decoded.slice(i + 1) };
  return { kind: 'basic', id: urlDecoded(raw.id), secret: urlDecoded(raw.secret), raw };
}

function urlDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A token bucket per key, in a bounded map (the oldest key is forgotten first). */
class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** 0 when admitted, else the seconds to wait. */
  take(key: string, now = Date.now()): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= MAX_RATE_KEYS) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: this.burst, at: now };
    } else this.buckets.delete(key);
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}

/**
 * The password verifier cidaas calls for CUSTOM_* algorithms at a migrated user's first login: it
 * identifies the legacy hash, checks the password and answers `{"data":{"verified":…}}`; cidaas then
 * re-hashes. What cidaas sends is only partly published (contracts/cidaas.md §3.3), so it accepts
 * the compare with or without `?action=compare`, authorised by a token from its own client-
 * credentials endpoint, a shared static bearer token, or the client credentials as Basic auth.
 *
 * Abuse: every check runs on a worker thread with a deadline; a hash above the cost bounds is
 * refused before any work; queued checks and token requests are bounded; slow clients are cut off.
 * Logging is off: request bodies hold clear-text passwords and hashes.
 */
export async function startVerifierService(options: VerifierServiceOptions): Promise<VerifierService> {
  const limits = options.limits ?? DEFAULT_HASH_LIMITS;
  const deadlineMs = options.deadlineMs ?? 5_000;
  const ownPool = options.pool === undefined;
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const pool = options.pool ?? new VerifyPool({ size: workers, limits, maxQueue: options.maxQueued ?? 16 * workers });
  registerSecret(options.clientSecret);
  registerSecret(options.bearerToken);
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // A client that trickles its request (slow loris) is cut off instead of holding a socket.
    connectionTimeout: 10_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 5_000,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  const tokens = new Map<string, number>();
  const ttl = (options.tokenTtlSeconds ?? 3600) * 1000;
  const path = options.path ?? '/verify';
  const perSecond = options.tokenRatePerSecond ?? 5;
  const tokenRate = new RateLimiter(perSecond, Math.max(1, 2 * perSecond));

  const isClient = (id: string, secret: string): boolean =>
    // Both compared, always: the time taken says nothing about which one was wrong.
    constantTimeEqualString(id, options.clientId) && constantTimeEqualString(secret, options.clientSecret);

  const isBasicClient = (c: Extract<Credentials, { kind: 'basic' }>): boolean => isClient(c.id, c.secret) || isClient(c.raw.id, c.raw.secret);

  const authorised = (c: Credentials): boolean => {
    if (c.kind === 'basic') return isBasicClient(c);
    if (c.kind !== 'bearer') return false;
    if (options.bearerToken && constantTimeEqualString(c.token, options.bearerToken)) return true;
    const expires = tokens.get(c.token);
    if (expires === undefined) return false;
    if (expires < Date.now()) {
      tokens.delete(c.token);
      return false;
    }
    return true;
  };

  const badRequest = (reply: FastifyReply, error: string, description: string) => reply.code(400).send({ error, error_description: description });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.post('/token', async (req: FastifyRequest, reply: FastifyReply) => {
    const wait = tokenRate.take(req.ip);
    if (wait > 0) return reply.code(429).header('retry-after', String(wait)).send({ error: 'slow_down', error_description: 'too many token requests' });
    const credentials = parseAuthorization(req.headers.authorization);
    if (credentials.kind === 'malformed') return badRequest(reply, 'invalid_request', credentials.why);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
    const client =
      credentials.kind === 'basic'
        ? isBasicClient(credentials)
        : isClient(typeof body.client_id === 'string' ? body.client_id : '', typeof body.client_secret === 'string' ? body.client_secret : '');
    if (!client) return reply.code(401).send({ error: 'invalid_client' });
    const now = Date.now();
    for (const [t, exp] of tokens) if (exp < now) tokens.delete(t);
    if (tokens.size >= MAX_TOKENS) tokens.delete(tokens.keys().next().value as string);
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, now + ttl);
    return { access_token: token, token_type: 'Bearer', expires_in: Math.floor(ttl / 1000) };
  });

  app.post(path, async (req: FastifyRequest, reply: FastifyReply) => {
    const credentials = parseAuthorization(req.headers.authorization);
    if (credentials.kind === 'malformed') return badRequest(reply, 'invalid_request', credentials.why);
    if (!authorised(credentials)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'invalid_token' });
    // cidaas documents `?action=compare`; its own sample service is called without it.
    const action = (req.query as Record<string, unknown> | undefined)?.action;
    if (action !== undefined && action !== 'compare') return badRequest(reply, 'invalid_request', 'action=compare expected');
    const body = (req.body ?? {}) as CompareBody;
    const stored = body.passwordVerification?.passwordHash;
    const password = body.password;
    if (typeof stored !== 'string' || typeof password !== 'string') {
      return badRequest(reply, 'invalid_request', 'passwordVerification.passwordHash and password must be strings');
    }
    const parsed = identify(stored, hintFromHData(body.passwordVerification?.hData, options.hashHint));
    // An unrecognised hash is a "no": cidaas then fails the login and the user can reset.
    if (!parsed.ok) return verdict(false);
    const tooCostly = exceededLimit(parsed.hash, limits);
    if (tooCostly) return reply.code(422).send({ error: 'hash_out_of_bounds', error_description: tooCostly.message });
    try {
      return verdict(await pool.verify(parsed.hash, password, { deadlineMs }));
    } catch (e) {
      if (e instanceof VerifyDeadlineError) return reply.code(503).header('retry-after', '1').send({ error: 'timeout', error_description: e.message });
      if (e instanceof HashLimitError) return reply.code(422).send({ error: 'hash_out_of_bounds', error_description: e.message });
      if (e instanceof Error && /queue is full/.test(e.message)) return reply.code(503).header('retry-after', '1').send({ error: 'busy' });
      return verdict(false);
    }
  });

  app.get('/health', async () => ({ status: 'ok' }));

  let address: string;
  try {
    address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  } catch (e) {
    if (ownPool) await pool.close();
    throw e;
  }
  const port = (app.server.address() as { port: number }).port;
  return {
    url: address,
    port,
    close: async () => {
      await app.close();
      if (ownPool) await pool.close();
    },
  };
}

/** The answer cidaas reads: `data.verified` (with the envelope of cidaas's own sample service). */
function verdict(verified: boolean): { success: true; status: 200; data: { verified: boolean } } {
  return { success: true, status: 200, data: { verified } };
}

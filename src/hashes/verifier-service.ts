import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { identify } from './identify.ts';
import { constantTimeEqualString } from './primitives.ts';
import type { HashHint } from './types.ts';
import { verify } from './verify.ts';
import type { VerifyPool } from './worker-pool.ts';

export interface VerifierServiceOptions {
  port: number;
  host?: string;
  /** Client credentials cidaas uses at `POST /token` (OAuth2 client_credentials). */
  clientId: string;
  clientSecret: string;
  /** Alternatively (or as well) a shared bearer token configured on the cidaas CUSTOM_* algorithm. */
  bearerToken?: string;
  /** Secrets and defaults identify() needs that the hash data does not carry (HMAC key, Firebase params, format). */
  hashHint?: HashHint;
  /** Path of the compare endpoint (cidaas calls `POST <url>?action=compare`). Default `/verify`. */
  path?: string;
  tokenTtlSeconds?: number;
  /** Run verifies on worker threads; default: on the main thread. */
  pool?: VerifyPool;
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

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return typeof h === 'string' && /^Bearer /i.test(h) ? h.slice(7).trim() : undefined;
}

function basicCredentials(req: FastifyRequest): { id: string; secret: string } | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !/^Basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

/**
 * The password verifier cidaas calls for CUSTOM_* algorithms at a migrated user's first login: it
 * identifies the legacy hash, checks the password and answers `{"data":{"verified":…}}`; cidaas then
 * re-hashes. OAuth2-protected (its own client-credentials token endpoint, or a shared bearer token).
 * Logging is off: request bodies hold clear-text passwords and hashes.
 */
export async function startVerifierService(options: VerifierServiceOptions): Promise<VerifierService> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const tokens = new Map<string, number>();
  const ttl = (options.tokenTtlSeconds ?? 3600) * 1000;
  const path = options.path ?? '/verify';

  const authorised = (req: FastifyRequest): boolean => {
    const token = bearer(req);
    if (!token) return false;
    if (options.bearerToken && constantTimeEqualString(token, options.bearerToken)) return true;
    const expires = tokens.get(token);
    if (expires === undefined) return false;
    if (expires < Date.now()) {
      tokens.delete(token);
      return false;
    }
    return true;
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.post('/token', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const basic = basicCredentials(req);
    const id = basic?.id ?? (typeof body.client_id === 'string' ? body.client_id : '');
    const secret = basic?.secret ?? (typeof body.client_secret === 'string' ? body.client_secret : '');
    if (body.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
    if (!constantTimeEqualString(id, options.clientId) || !constantTimeEqualString(secret, options.clientSecret)) {
      return reply.code(401).send({ error: 'invalid_client' });
    }
    const now = Date.now();
    for (const [t, exp] of tokens) if (exp < now) tokens.delete(t);
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, now + ttl);
    return { access_token: token, token_type: 'Bearer', expires_in: Math.floor(ttl / 1000) };
  });

  app.post(path, async (req, reply) => {
    if (!authorised(req)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'invalid_token' });
    const action = (req.query as Record<string, unknown> | undefined)?.action;
    if (action !== 'compare') return reply.code(400).send({ error: 'action=compare expected' });
    const body = (req.body ?? {}) as CompareBody;
    const stored = body.passwordVerification?.passwordHash;
    const password = body.password;
    if (typeof stored !== 'string' || typeof password !== 'string') {
      return reply.code(400).send({ error: 'passwordVerification.passwordHash and password must be strings' });
    }
    const parsed = identify(stored, hintFromHData(body.passwordVerification?.hData, options.hashHint));
    // An unrecognised hash is a "no": cidaas then fails the login and the user can reset.
    if (!parsed.ok) return { data: { verified: false } };
    let verified = false;
    try {
      verified = await (options.pool ? options.pool.verify(parsed.hash, password) : verify(parsed.hash, password));
    } catch {
      verified = false;
    }
    return { data: { verified } };
  });

  app.get('/health', async () => ({ status: 'ok' }));

  const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return { url: address, port, close: () => app.close() };
}

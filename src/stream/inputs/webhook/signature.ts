import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks v1 signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, several
 * space-separated in `webhook-signature` so a sender can rotate secrets. Secrets are read as the
 * reference libraries read them (standard-webhooks/standard-webhooks, libraries/javascript/src/index.ts):
 * base64, after an optional `whsec_` prefix.
 */

/** Shortest HMAC key accepted: a shorter one is guessable, and an empty one accepts forged requests. */
export const MIN_SECRET_BYTES = 16;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/**
 * The HMAC key of a secret, or why it cannot be one. Node's base64 decoder skips characters it does
 * not know, so `whsec_` followed by text that is not base64 decodes to a few bytes or none: every
 * character is checked, and a key shorter than 16 bytes is refused.
 */
export function secretKey(secret: string): Buffer | { error: string } {
  const text = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!BASE64.test(text)) return { error: 'is not base64 (with or without the whsec_ prefix), as Standard Webhooks secrets are' };
  const key = Buffer.from(text, 'base64');
  if (key.length < MIN_SECRET_BYTES) return { error: `decodes to ${key.length} bytes; at least ${MIN_SECRET_BYTES} are needed` };
  return key;
}

/** The keys of `secrets`, or throws naming the first unusable one by position (never its value). */
export function secretKeys(secrets: string[], where: string): Buffer[] {
  return secrets.map((s, i) => {
    const k = secretKey(s);
    if (!Buffer.isBuffer(k)) throw new Error(`${where}: webhook secret ${secrets.length > 1 ? `#${i + 1} ` : ''}${k.error}`);
    return k;
  });
}

function mac(key: Buffer, id: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

export function sign(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const key = secretKey(secret);
  if (!Buffer.isBuffer(key)) throw new Error(`webhook secret ${key.error}`);
  return `v1,${mac(key, id, timestamp, body)}`;
}

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; status: number; reason: string };

export function verifySignature(
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  keys: Buffer[],
  toleranceSeconds: number,
  nowMs = Date.now(),
): VerifyResult {
  const id = one(headers['webhook-id']);
  const ts = one(headers['webhook-timestamp']);
  const sig = one(headers['webhook-signature']);
  if (!id || !ts || !sig) return { ok: false, status: 401, reason: 'unsigned' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, status: 401, reason: 'bad-timestamp' };
  const timestamp = Number(ts);
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return { ok: false, status: 401, reason: 'stale' };
  const offered = sig
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  for (const key of keys) {
    const expected = Buffer.from(mac(key, id, timestamp, body), 'base64');
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) return { ok: true, id, timestamp };
  }
  return { ok: false, status: 401, reason: 'bad-signature' };
}

/** Shortest bearer token accepted. */
export const MIN_TOKEN_CHARS = 16;

/**
 * Bearer-token authentication for senders that cannot sign: the `Authorization` header is
 * `Bearer <token>` or, as Auth0 Log Streams send whatever was configured, the token itself.
 */
export function verifyToken(headers: Record<string, string | string[] | undefined>, tokens: string[]): VerifyResult {
  const auth = one(headers.authorization);
  if (!auth) return { ok: false, status: 401, reason: 'unauthenticated' };
  const given = Buffer.from(auth.replace(/^Bearer\s+/i, ''));
  for (const t of tokens) {
    const want = Buffer.from(t.replace(/^Bearer\s+/i, ''));
    if (given.length === want.length && timingSafeEqual(given, want)) return { ok: true, id: '', timestamp: 0 };
  }
  return { ok: false, status: 401, reason: 'bad-token' };
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks v1 signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, several
 * space-separated in `webhook-signature` so a sender can rotate secrets.
 */

/** `whsec_<base64>` secrets are the spec's form; anything else is taken as raw key bytes. */
export function secretKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

export function sign(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; status: number; reason: string };

export function verifySignature(
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  secrets: string[],
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
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, id, timestamp, body).slice(3), 'base64');
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) return { ok: true, id, timestamp };
  }
  return { ok: false, status: 401, reason: 'bad-signature' };
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

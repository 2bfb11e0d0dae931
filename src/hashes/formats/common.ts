import type { PasswordHash } from '../../model/index.ts';
import type { HashHint } from '../types.ts';
import { decodeText, fromBase64, fromHex } from '../encoding.ts';

/** `name:k=v,k=v` → name and numeric args; lets a format string carry parameters (e.g. scrypt N/r/p). */
export function formatArgs(format: string): { name: string; args: Record<string, number> } {
  const [name = '', rest = ''] = format.split(':', 2);
  const args: Record<string, number> = {};
  for (const pair of rest.split(',')) {
    const m = /^\s*([A-Za-z]{1,16})\s*=\s*(\d{1,12})\s*$/.exec(pair);
    if (m?.[1] && m[2]) args[m[1]] = Number(m[2]);
  }
  return { name, args };
}

/** The digest of a bare value, in the encoding the hint declares (hex by default). */
export function decodeDigest(value: string, hint: HashHint): Buffer | undefined {
  const trimmed = value.trim();
  if (hint.encoding === 'base64') return fromBase64(trimmed);
  return fromHex(trimmed);
}

/** The separate salt the hint carries, decoded per `saltEncoding` (utf8 by default). */
export function hintSalt(hint: HashHint): Buffer | undefined {
  if (hint.salt === undefined || hint.salt === '') return undefined;
  return decodeText(hint.salt, hint.saltEncoding ?? 'utf8');
}

/** A string parameter of a parsed hash ('' when absent). */
export function param(h: PasswordHash, key: string): string {
  const v = h.params[key];
  return typeof v === 'string' ? v : '';
}

/** A numeric parameter of a parsed hash (0 when absent). */
export function numParam(h: PasswordHash, key: string): number {
  const v = Number(h.params[key]);
  return Number.isFinite(v) ? v : 0;
}

/** Base64 text (salt, digest) as bytes; empty when absent. */
export function bytes(b64: string | undefined): Buffer {
  return (b64 && fromBase64(b64)) || Buffer.alloc(0);
}

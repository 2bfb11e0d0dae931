/**
 * md5-crypt ($1$, Poul-Henning Kamp's FreeBSD scheme) and its Apache twin ($apr1$), which differ
 * only in the magic string. No maintained, typed npm package covers both, and the algorithm is short.
 */
import { createHash } from 'node:crypto';
import { CRYPT64 } from './encoding.ts';

function to64(value: number, n: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < n; i++) {
    out += CRYPT64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

export function md5Crypt(password: string | Uint8Array, salt: string, magic: '$1$' | '$apr1$' = '$1$'): string {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  const s = Buffer.from(salt.slice(0, 8), 'utf8');
  const alt = createHash('md5').update(pw).update(s).update(pw).digest();
  const ctx = createHash('md5').update(pw).update(magic).update(s);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(16, left)));
  for (let i = pw.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let f = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = createHash('md5');
    c.update(i & 1 ? pw : f);
    if (i % 3) c.update(s);
    if (i % 7) c.update(pw);
    c.update(i & 1 ? f : pw);
    f = c.digest();
  }
  const b = (i: number): number => f[i] ?? 0;
  const encoded =
    to64((b(0) << 16) | (b(6) << 8) | b(12), 4) +
    to64((b(1) << 16) | (b(7) << 8) | b(13), 4) +
    to64((b(2) << 16) | (b(8) << 8) | b(14), 4) +
    to64((b(3) << 16) | (b(9) << 8) | b(15), 4) +
    to64((b(4) << 16) | (b(10) << 8) | b(5), 4) +
    to64(b(11), 2);
  return `${magic}${s.toString('utf8')}$${encoded}`;
}

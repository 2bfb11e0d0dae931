/**
 * yescrypt as libxcrypt computes `$y$` hashes (the default of Debian ≥ 11, Ubuntu ≥ 22.04, Fedora
 * ≥ 35), written from the algorithm of the yescrypt reference implementation (openwall/yescrypt,
 * yescrypt-ref.c and yescrypt-common.c). No maintained npm package implements it. Only what `$y$`
 * strings use is here: the RW flavor with pwxform (6 rounds, gather 4, simple 2, 12 KiB S-boxes),
 * plus classic scrypt and WORM; no ROM. Checked against libxcrypt's own output
 * (test/fixtures/hash-vectors/more.json).
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { endianness } from 'node:os';
import { constantTimeEqualString } from './primitives.ts';
import { UnsupportedHashError } from './types.ts';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const YESCRYPT_RW = 0x002;
const YESCRYPT_WORM = 1;
const YESCRYPT_PREHASH = 0x10000000;
const RW_FLAVOR = 0x004 | 0x010 | 0x020 | 0x080; // ROUNDS_6 | GATHER_4 | SIMPLE_2 | SBOX_12K

/** pwxform: PWXsimple 2, PWXgather 4, PWXrounds 6, Swidth 8. */
const PWX_WORDS = 16;
const S_WORDS = 3 * 256 * 2 * 2; // Sbytes / 4
const S_MASK = 255 * 2 * 8;
const W_MASK = 256 * 2 - 1;

interface Params {
  flags: number;
  N: number;
  r: number;
  p: number;
  t: number;
  g: number;
}

/** Little-endian 6-bit groups, as yescrypt's encode64 writes bytes. */
function encode64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    let value = 0;
    let bits = 0;
    do {
      value |= (bytes[i++] as number) << bits;
      bits += 8;
    } while (bits < 24 && i < bytes.length);
    for (let b = 0; b < bits; b += 6) {
      out += ITOA64[value & 0x3f];
      value >>>= 6;
    }
  }
  return out;
}

/** yescrypt's decode64 (the salt string → its bytes); undefined when it is not a whole encoding. */
function decode64(s: string): Buffer | undefined {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    let value = 0;
    let bits = 0;
    while (i < s.length && bits < 24) {
      const c = ITOA64.indexOf(s.charAt(i++));
      if (c < 0) return undefined;
      value |= c << bits;
      bits += 6;
    }
    if (bits < 12) return undefined;
    while (bits >= 8) {
      out.push(value & 0xff);
      value >>>= 8;
      bits -= 8;
    }
    if (value !== 0) return undefined;
  }
  return Buffer.from(out);
}

/**
 * yescrypt's variable-length number (yescrypt-common.c decode64_uint32): the first character says
 * how many follow, the rest are little-endian 6-bit groups. Returns the value and the next index.
 * Also used to read the cost parameters when a `$y$` string is identified (formats/crypt.ts).
 */
export function decodeYescryptNumber(s: string, at: number, min: number): [number, number] | undefined {
  let c = ITOA64.indexOf(s.charAt(at));
  if (c < 0) return undefined;
  let start = 0;
  let end = 47;
  let chars = 1;
  let bits = 0;
  let value = min;
  while (c > end) {
    value += (end + 1 - start) * 2 ** bits;
    start = end + 1;
    end = start + Math.floor((62 - end) / 2);
    chars++;
    bits += 6;
  }
  value += (c - start) * 2 ** bits;
  let i = at + 1;
  while (--chars > 0) {
    c = ITOA64.indexOf(s.charAt(i++));
    if (c < 0) return undefined;
    bits -= 6;
    value += c * 2 ** bits;
  }
  return [value, i];
}

function parseSetting(params: string): Params | undefined {
  const flavor = decodeYescryptNumber(params, 0, 0);
  const nLog2 = flavor && decodeYescryptNumber(params, flavor[1], 1);
  const r = nLog2 && decodeYescryptNumber(params, nLog2[1], 1);
  if (!flavor || !nLog2 || !r || nLog2[0] > 31) return undefined;
  let flags: number;
  if (flavor[0] < YESCRYPT_RW) flags = flavor[0];
  else if (flavor[0] <= YESCRYPT_RW + (0x3fc >> 2)) flags = YESCRYPT_RW + (flavor[0] - YESCRYPT_RW) * 4;
  else return undefined;
  const out: Params = { flags, N: 2 ** nLog2[0], r: r[0], p: 1, t: 0, g: 0 };
  let at = r[1];
  if (at < params.length) {
    const have = decodeYescryptNumber(params, at, 1);
    if (!have || have[0] > 7) return undefined;
    at = have[1];
    for (const [bit, key, min] of [[1, 'p', 2], [2, 't', 1], [4, 'g', 1]] as const) {
      if (!(have[0] & bit)) continue;
      const v = decodeYescryptNumber(params, at, min);
      if (!v) return undefined;
      out[key] = v[0];
      at = v[1];
    }
    if (at !== params.length) return undefined;
  }
  return out;
}

function salsa20(B: Uint32Array, off: number, rounds: number, x: Uint32Array): void {
  for (let i = 0; i < 16; i++) x[(i * 5) % 16] = B[off + i] as number;
  for (let i = 0; i < rounds; i += 2) {
    const R = (a: number, b: number) => (a << b) | (a >>> (32 - b));
    x[4]! ^= R((x[0]! + x[12]!) | 0, 7);
    x[8]! ^= R((x[4]! + x[0]!) | 0, 9);
    x[12]! ^= R((x[8]! + x[4]!) | 0, 13);
    x[0]! ^= R((x[12]! + x[8]!) | 0, 18);
    x[9]! ^= R((x[5]! + x[1]!) | 0, 7);
    x[13]! ^= R((x[9]! + x[5]!) | 0, 9);
    x[1]! ^= R((x[13]! + x[9]!) | 0, 13);
    x[5]! ^= R((x[1]! + x[13]!) | 0, 18);
    x[14]! ^= R((x[10]! + x[6]!) | 0, 7);
    x[2]! ^= R((x[14]! + x[10]!) | 0, 9);
    x[6]! ^= R((x[2]! + x[14]!) | 0, 13);
    x[10]! ^= R((x[6]! + x[2]!) | 0, 18);
    x[3]! ^= R((x[15]! + x[11]!) | 0, 7);
    x[7]! ^= R((x[3]! + x[15]!) | 0, 9);
    x[11]! ^= R((x[7]! + x[3]!) | 0, 13);
    x[15]! ^= R((x[11]! + x[7]!) | 0, 18);
    x[1]! ^= R((x[0]! + x[3]!) | 0, 7);
    x[2]! ^= R((x[1]! + x[0]!) | 0, 9);
    x[3]! ^= R((x[2]! + x[1]!) | 0, 13);
    x[0]! ^= R((x[3]! + x[2]!) | 0, 18);
    x[6]! ^= R((x[5]! + x[4]!) | 0, 7);
    x[7]! ^= R((x[6]! + x[5]!) | 0, 9);
    x[4]! ^= R((x[7]! + x[6]!) | 0, 13);
    x[5]! ^= R((x[4]! + x[7]!) | 0, 18);
    x[11]! ^= R((x[10]! + x[9]!) | 0, 7);
    x[8]! ^= R((x[11]! + x[10]!) | 0, 9);
    x[9]! ^= R((x[8]! + x[11]!) | 0, 13);
    x[10]! ^= R((x[9]! + x[8]!) | 0, 18);
    x[12]! ^= R((x[15]! + x[14]!) | 0, 7);
    x[13]! ^= R((x[12]! + x[15]!) | 0, 9);
    x[14]! ^= R((x[13]! + x[12]!) | 0, 13);
    x[15]! ^= R((x[14]! + x[13]!) | 0, 18);
  }
  for (let i = 0; i < 16; i++) B[off + i] = ((B[off + i] as number) + (x[(i * 5) % 16] as number)) >>> 0;
}

/** One sequential memory-hard state: the S-boxes and where the next write goes (pwxform_ctx_t). */
class Pwx {
  S = new Uint32Array(S_WORDS);
  s0 = 0;
  s1 = 0;
  s2 = 0;
  w = 0;
}

/** hi·lo (a 64-bit product of two 32-bit words) + s0, xor s1, as two 32-bit halves. */
function pwxStep(xl: number, xh: number, s0l: number, s0h: number, s1l: number, s1h: number, out: Uint32Array, at: number): void {
  const a0 = xh & 0xffff;
  const a1 = xh >>> 16;
  const b0 = xl & 0xffff;
  const b1 = xl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  let lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  let hi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
  const sum = lo + s0l;
  lo = sum >>> 0;
  hi = (hi + s0h + (sum > 0xffffffff ? 1 : 0)) >>> 0;
  out[at] = (lo ^ s1l) >>> 0;
  out[at + 1] = (hi ^ s1h) >>> 0;
}

function pwxform(X: Uint32Array, ctx: Pwx): void {
  const S = ctx.S;
  const S0 = ctx.s0;
  const S1 = ctx.s1;
  const S2 = ctx.s2;
  let w = ctx.w;
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 4; j++) {
      const base = j * 4;
      const p0 = S0 + (((X[base] as number) & S_MASK) >>> 2);
      const p1 = S1 + (((X[base + 1] as number) & S_MASK) >>> 2);
      for (let k = 0; k < 2; k++) {
        const at = base + k * 2;
        pwxStep(X[at] as number, X[at + 1] as number, S[p0 + k * 2] as number, S[p0 + k * 2 + 1] as number, S[p1 + k * 2] as number, S[p1 + k * 2 + 1] as number, X, at);
        if (i !== 0 && i !== 5) {
          S[S2 + w * 2] = X[at] as number;
          S[S2 + w * 2 + 1] = X[at + 1] as number;
          w++;
        }
      }
    }
  }
  ctx.s0 = S2;
  ctx.s1 = S0;
  ctx.s2 = S1;
  ctx.w = w & W_MASK;
}

function blockmixSalsa8(B: Uint32Array, Y: Uint32Array, r: number, x: Uint32Array): void {
  const X = B.slice((2 * r - 1) * 16, 2 * r * 16);
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) X[k] = ((X[k] as number) ^ (B[i * 16 + k] as number)) >>> 0;
    salsa20(X, 0, 8, x);
    Y.set(X, i * 16);
  }
  for (let i = 0; i < r; i++) B.set(Y.subarray(i * 2 * 16, i * 2 * 16 + 16), i * 16);
  for (let i = 0; i < r; i++) B.set(Y.subarray((i * 2 + 1) * 16, (i * 2 + 1) * 16 + 16), (i + r) * 16);
}

function blockmixPwxform(B: Uint32Array, ctx: Pwx, r: number, x: Uint32Array): void {
  const r1 = 2 * r; // 128r / PWXbytes
  const X = B.slice((r1 - 1) * PWX_WORDS, r1 * PWX_WORDS);
  for (let i = 0; i < r1; i++) {
    if (r1 > 1) for (let k = 0; k < PWX_WORDS; k++) X[k] = ((X[k] as number) ^ (B[i * PWX_WORDS + k] as number)) >>> 0;
    pwxform(X, ctx);
    B.set(X, i * PWX_WORDS);
  }
  let i = r1 - 1;
  salsa20(B, i * 16, 2, x);
  for (i++; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) B[i * 16 + k] = ((B[i * 16 + k] as number) ^ (B[(i - 1) * 16 + k] as number)) >>> 0;
    salsa20(B, i * 16, 2, x);
  }
}

/** The low 32 bits of Integerify: enough, as N and every index stay below 2^32 here. */
function integerify(X: Uint32Array, r: number): number {
  return X[(2 * r - 1) * 16] as number;
}

function p2floor(x: number): number {
  return 2 ** Math.floor(Math.log2(x));
}

function wrap(x: number, i: number): number {
  const n = p2floor(i);
  return (x & (n - 1)) + (i - n);
}

function load(B: Uint32Array, off: number, X: Uint32Array, r: number): void {
  for (let k = 0; k < 2 * r; k++) for (let i = 0; i < 16; i++) X[k * 16 + i] = B[off + k * 16 + ((i * 5) % 16)] as number;
}

function store(B: Uint32Array, off: number, X: Uint32Array, r: number): void {
  for (let k = 0; k < 2 * r; k++) for (let i = 0; i < 16; i++) B[off + k * 16 + ((i * 5) % 16)] = X[k * 16 + i] as number;
}

function mix(X: Uint32Array, Y: Uint32Array, r: number, ctx: Pwx | undefined, x: Uint32Array): void {
  if (ctx) blockmixPwxform(X, ctx, r, x);
  else blockmixSalsa8(X, Y, r, x);
}

function smix1(B: Uint32Array, off: number, r: number, N: number, flags: number, V: Uint32Array, voff: number, ctx: Pwx | undefined, x: Uint32Array): void {
  const s = 32 * r;
  const X = new Uint32Array(s);
  const Y = new Uint32Array(s);
  load(B, off, X, r);
  for (let i = 0; i < N; i++) {
    V.set(X, voff + i * s);
    if (flags & YESCRYPT_RW && i > 1) {
      const j = wrap(integerify(X, r), i);
      for (let k = 0; k < s; k++) X[k] = ((X[k] as number) ^ (V[voff + j * s + k] as number)) >>> 0;
    }
    mix(X, Y, r, ctx, x);
  }
  store(B, off, X, r);
}

function smix2(B: Uint32Array, off: number, r: number, N: number, loops: number, flags: number, V: Uint32Array, voff: number, ctx: Pwx | undefined, x: Uint32Array): void {
  const s = 32 * r;
  const X = new Uint32Array(s);
  const Y = new Uint32Array(s);
  load(B, off, X, r);
  for (let i = 0; i < loops; i++) {
    const j = integerify(X, r) & (N - 1);
    const at = voff + j * s;
    for (let k = 0; k < s; k++) X[k] = ((X[k] as number) ^ (V[at + k] as number)) >>> 0;
    if (flags & YESCRYPT_RW) V.set(X, at);
    mix(X, Y, r, ctx, x);
  }
  store(B, off, X, r);
}

function smix(B: Uint32Array, r: number, N: number, p: number, t: number, flags: number, V: Uint32Array, ctxs: Pwx[], passwd: Buffer, x: Uint32Array): void {
  const s = 32 * r;
  const chunk0 = Math.floor(N / p);
  let loopsAll = chunk0;
  if (flags & YESCRYPT_RW) {
    if (t <= 1) {
      if (t) loopsAll *= 2;
      loopsAll = Math.floor((loopsAll + 2) / 3);
    } else loopsAll *= t - 1;
  } else if (t) {
    if (t === 1) loopsAll += Math.floor((loopsAll + 1) / 2);
    loopsAll *= t;
  }
  let loopsRw = flags & YESCRYPT_RW ? Math.floor(loopsAll / p) : 0;
  const chunk = chunk0 - (chunk0 % 2);
  loopsAll += loopsAll % 2;
  loopsRw += loopsRw % 2;
  const bytes = Buffer.from(B.buffer, B.byteOffset, B.byteLength);
  for (let i = 0, vchunk = 0; i < p; i++, vchunk += chunk) {
    const np = i < p - 1 ? chunk : N - vchunk;
    const off = i * s;
    let ctx: Pwx | undefined;
    if (flags & YESCRYPT_RW) {
      ctx = ctxs[i] as Pwx;
      smix1(B, off, 1, (S_WORDS * 4) / 128, 0, ctx.S, 0, undefined, x);
      ctx.s2 = 0;
      ctx.s1 = 256 * 2 * 2;
      ctx.s0 = 2 * 256 * 2 * 2;
      ctx.w = 0;
      if (i === 0) {
        const key = bytes.subarray((off + s - 16) * 4, (off + s) * 4);
        createHmac('sha256', key).update(passwd.subarray(0, 32)).digest().copy(passwd);
      }
    }
    smix1(B, off, r, np, flags, V, vchunk * s, ctx, x);
    smix2(B, off, r, p2floor(np), loopsRw, flags, V, vchunk * s, ctx, x);
  }
  for (let i = 0; i < p; i++) {
    smix2(B, i * s, r, N, loopsAll - loopsRw, flags & ~YESCRYPT_RW, V, 0, flags & YESCRYPT_RW ? ctxs[i] : undefined, x);
  }
}

function kdfBody(password: Buffer, salt: Buffer, flags: number, N: number, r: number, p: number, t: number): Buffer {
  const mode = flags & 3;
  if (mode === 0 && (flags || t)) throw new RangeError('bad yescrypt flags');
  if (mode === YESCRYPT_WORM && flags !== YESCRYPT_WORM) throw new RangeError('bad yescrypt flags');
  if (mode === YESCRYPT_RW && (flags & 0x3fc) !== RW_FLAVOR) throw new RangeError('unsupported yescrypt flavor');
  if (mode === 3) throw new RangeError('bad yescrypt flags');
  if ((N & (N - 1)) !== 0 || N <= 1 || r < 1 || p < 1 || r * p >= 2 ** 30) throw new RangeError('bad yescrypt parameters');
  if (flags & YESCRYPT_RW && (N / p <= 1 || r < 1)) throw new RangeError('bad yescrypt parameters');
  let passwd = password;
  if (flags) passwd = createHmac('sha256', Buffer.from('yescrypt-prehash').subarray(0, flags & YESCRYPT_PREHASH ? 16 : 8)).update(password).digest();
  const Bbytes = pbkdf2Sync(passwd, salt, 1, 128 * r * p, 'sha256');
  const B = new Uint32Array(Bbytes.buffer, Bbytes.byteOffset, Bbytes.byteLength / 4);
  if (flags) passwd = Buffer.from(Bbytes.subarray(0, 32));
  const V = new Uint32Array(32 * r * N);
  const x = new Uint32Array(16);
  if (flags & YESCRYPT_RW) {
    const ctxs = Array.from({ length: p }, () => new Pwx());
    smix(B, r, N, p, t, flags, V, ctxs, passwd, x);
  } else {
    for (let i = 0; i < p; i++) smix(B.subarray(32 * r * i), r, N, 1, t, flags, V, [], passwd, x);
  }
  let dk = pbkdf2Sync(passwd, Buffer.from(B.buffer, B.byteOffset, B.byteLength), 1, 32, 'sha256');
  if (flags && !(flags & YESCRYPT_PREHASH)) {
    const clientKey = createHmac('sha256', dk).update('Client Key').digest();
    dk = createHash('sha256').update(clientKey).digest();
  }
  return dk;
}

function yescryptKdf(password: Buffer, salt: Buffer, p: Params): Buffer {
  if (p.g) throw new RangeError('yescrypt hash upgrades (g) are not supported');
  let passwd = password;
  if (p.flags & YESCRYPT_RW && p.p >= 1 && p.N / p.p >= 0x100 && (p.N / p.p) * p.r >= 0x20000) {
    passwd = kdfBody(password, salt, p.flags | YESCRYPT_PREHASH, p.N / 64, p.r, p.p, 0);
  }
  return kdfBody(passwd, salt, p.flags, p.N, p.r, p.p, p.t);
}

/** The whole `$y$…` string for a password and a setting (`$y$params$salt`), or undefined if it cannot be computed. */
export function yescryptHash(password: string, mcf: string): string | undefined {
  if (endianness() !== 'LE') throw new UnsupportedHashError('yescrypt on a big-endian machine');
  const m = /^\$y\$([./0-9A-Za-z]+)\$([./0-9A-Za-z]*)(\$|$)/.exec(mcf);
  if (!m) return undefined;
  const params = parseSetting(m[1] as string);
  const salt = decode64(m[2] as string);
  if (!params || !salt) return undefined;
  const dk = yescryptKdf(Buffer.from(password, 'utf8'), salt, params);
  return `$y$${m[1]}$${m[2]}$${encode64(dk)}`;
}

export async function verifyYescrypt(mcf: string, password: string): Promise<boolean> {
  let computed: string | undefined;
  try {
    computed = yescryptHash(password, mcf);
  } catch (e) {
    if (e instanceof UnsupportedHashError) throw e;
    return false;
  }
  return computed !== undefined && constantTimeEqualString(computed, mcf);
}

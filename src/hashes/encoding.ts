/**
 * Byte encodings used by legacy hash strings. Every decoder is strict about its alphabet and
 * returns undefined instead of throwing, so parsers can reject junk without try/catch.
 */

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** bcrypt's alphabet: same bit order as RFC 4648, different character order. */
const BCRYPT64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** crypt(3)/phpass alphabet (its bit order differs from bcrypt's, see cryptEncode64). */
export const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const B64URL_RE = /^[A-Za-z0-9_-]*={0,2}$/;

export function fromHex(value: string): Buffer | undefined {
  return HEX_RE.test(value) ? Buffer.from(value, 'hex') : undefined;
}

/** Standard base64, padded or not. Rejects characters Buffer would silently skip. */
export function fromBase64(value: string): Buffer | undefined {
  if (!B64_RE.test(value)) return undefined;
  const unpadded = value.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (value.includes('=') && value.length % 4 !== 0) return undefined;
  return Buffer.from(unpadded, 'base64');
}

export function fromBase64Url(value: string): Buffer | undefined {
  if (!B64URL_RE.test(value)) return undefined;
  return fromBase64(value.replace(/-/g, '+').replace(/_/g, '/'));
}

/** passlib's "adapted base64": `+` written as `.`, no padding. */
export function fromAb64(value: string): Buffer | undefined {
  if (value.includes('+')) return undefined;
  return fromBase64(value.replace(/\./g, '+'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** PHC "B64": standard alphabet without padding. */
export function toB64(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/=+$/, '');
}

export function fromBcrypt64(value: string): Buffer | undefined {
  let std = '';
  for (const ch of value) {
    const i = BCRYPT64.indexOf(ch);
    if (i < 0) return undefined;
    std += STD[i];
  }
  return fromBase64(std.length % 4 === 1 ? std.slice(0, -1) : std);
}

/** One reusable code array per length: String.fromCharCode(...codes) needs the exact length, not a fresh array. */
const SCRATCH: number[][] = [];
function scratchCodes(length: number): number[] {
  let codes = SCRATCH[length];
  if (codes === undefined) {
    codes = new Array<number>(length).fill(0);
    SCRATCH[length] = codes;
  }
  return codes;
}

/** bcrypt64 character code → the standard-alphabet character code with the same 6 bits (0 outside the alphabet). */
const BCRYPT64_TO_STD: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let i = 0; i < 64; i++) table[BCRYPT64.charCodeAt(i)] = STD.charCodeAt(i);
  return table;
})();
const EQUALS = '='.charCodeAt(0);

/**
 * The standard base64 of the first `bytes` bytes a bcrypt64 string encodes — what
 * `toBase64(fromBcrypt64(value).subarray(0, bytes))` gives, without decoding to bytes: both
 * alphabets carry the same bits, so only the characters change and the last one loses the bits
 * past `bytes`. `value` must be exactly the characters those bytes need (22 for bcrypt's 16-byte
 * salt, 31 for its 23-byte digest); anything else is undefined.
 */
export function bcrypt64ToBase64(value: string, bytes: number): string | undefined {
  if (value.length !== Math.ceil((bytes * 8) / 6)) return undefined;
  return bcrypt64SliceToBase64(value, 0, bytes);
}

/** `bcrypt64ToBase64` of the characters from `start` on, without cutting them out first. */
export function bcrypt64SliceToBase64(value: string, start: number, bytes: number): string | undefined {
  const chars = Math.ceil((bytes * 8) / 6);
  if (bytes <= 0 || start < 0 || start + chars > value.length) return undefined;
  const padding = bytes % 3 === 0 ? 0 : 3 - (bytes % 3);
  // Character codes first, one string at the end: a string grown by += is a chain of cons
  // cells, and these strings live as long as the migrated user does.
  const codes = scratchCodes(chars + padding);
  for (let i = 0; i < chars - 1; i++) {
    const std = BCRYPT64_TO_STD[value.charCodeAt(start + i)];
    if (!std) return undefined;
    codes[i] = std;
  }
  const last = BCRYPT64.indexOf(value.charAt(start + chars - 1));
  if (last < 0) return undefined;
  const usedBits = bytes * 8 - (chars - 1) * 6;
  codes[chars - 1] = STD.charCodeAt(last & ((0x3f << (6 - usedBits)) & 0x3f));
  for (let i = 0; i < padding; i++) codes[chars + i] = EQUALS;
  return String.fromCharCode(...codes);
}

/** crypt(3)/phpass little-endian 6-bit groups; used by phpass and Drupal. */
export function cryptEncode64(input: Uint8Array, count: number): string {
  let out = '';
  let i = 0;
  do {
    let value = input[i++] ?? 0;
    out += CRYPT64[value & 0x3f];
    if (i < count) value |= (input[i] ?? 0) << 8;
    out += CRYPT64[(value >> 6) & 0x3f];
    if (i++ >= count) break;
    if (i < count) value |= (input[i] ?? 0) << 16;
    out += CRYPT64[(value >> 12) & 0x3f];
    if (i++ >= count) break;
    out += CRYPT64[(value >> 18) & 0x3f];
  } while (i < count);
  return out;
}

/** True when the bytes are valid UTF-8 that round-trips, i.e. safe to send as a text field. */
export function isUtf8Text(bytes: Uint8Array): boolean {
  const s = Buffer.from(bytes).toString('utf8');
  return Buffer.from(s, 'utf8').equals(Buffer.from(bytes)) && !s.includes('\0');
}

export type TextEncoding = 'utf8' | 'hex' | 'base64';

export function decodeText(value: string, encoding: TextEncoding): Buffer | undefined {
  if (encoding === 'hex') return fromHex(value);
  if (encoding === 'base64') return fromBase64(value);
  return Buffer.from(value, 'utf8');
}

export function encodeText(bytes: Uint8Array, encoding: TextEncoding): string | undefined {
  if (encoding === 'hex') return Buffer.from(bytes).toString('hex');
  if (encoding === 'base64') return toBase64(bytes);
  return isUtf8Text(bytes) ? Buffer.from(bytes).toString('utf8') : undefined;
}

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { TextDecoder } from 'node:util';
import { createGunzip } from 'node:zlib';
import { SourceError } from './source-error.ts';

/** How a text file's bytes are read. A byte order mark in the file wins over the configured one. */
export type TextEncoding = 'utf8' | 'latin1' | 'utf16le' | 'utf16be';

/** Config spellings (`utf-8`, `utf-16le`, …) → the canonical name. */
export function textEncoding(configured: string | undefined): TextEncoding {
  switch ((configured ?? 'utf8').toLowerCase().replace(/[-_]/g, '')) {
    case 'latin1':
    case 'iso88591':
      return 'latin1';
    case 'utf16le':
      return 'utf16le';
    case 'utf16be':
      return 'utf16be';
    default:
      return 'utf8';
  }
}

const NAMES: Record<TextEncoding, string> = { utf8: 'UTF-8', latin1: 'Latin-1', utf16le: 'UTF-16LE', utf16be: 'UTF-16BE' };

/** What `readText` found out about a file before decoding it. */
export interface TextFileInfo {
  path: string;
  bytes: number;
  encoding: TextEncoding;
  gzip: boolean;
  bom: boolean;
}

/** Fails loudly when the path is missing, is a folder, or cannot be read. Returns its size. */
export async function checkFile(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new SourceError(`${path} is a folder, not a file`);
    return s.size;
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SourceError(`${path} does not exist`);
    if (code === 'EACCES') throw new SourceError(`${path} cannot be read (permission denied)`);
    throw new SourceError(`${path} cannot be read (${code ?? 'error'})`);
  }
}

/**
 * The text of a file, chunk by chunk, in constant memory. A gzip file (Auth0 hands exports out
 * gzipped) is inflated first. A UTF-8, UTF-16LE or UTF-16BE byte order mark sets the encoding and is
 * dropped. Bytes that do not decode in the encoding stop the read with a SourceError naming the line:
 * a wrongly decoded file would migrate garbled names without a word.
 */
export async function* readText(
  path: string,
  configured: TextEncoding = 'utf8',
  onInfo?: (info: TextFileInfo) => void,
): AsyncGenerator<string> {
  const bytes = await checkFile(path);
  const gzip = await isGzip(path);
  const raw = createReadStream(path, { highWaterMark: 256 * 1024 });
  const input: AsyncIterable<Buffer> = gzip ? raw.pipe(createGunzip()) : raw;
  const decode = new FileDecoder(path, configured, (encoding, bom) => onInfo?.({ path, bytes, encoding, gzip, bom }));
  try {
    for await (const chunk of input) {
      const text = decode.write(chunk);
      if (text !== '') yield text;
    }
    const rest = decode.end();
    if (rest !== '') yield rest;
  } catch (e) {
    if (e instanceof DecodeError) throw new SourceError(`${path}: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new SourceError(`${path}: the gzip data is corrupt or truncated`);
    throw e;
  } finally {
    raw.destroy();
  }
}

/** gzip's magic number: Auth0 and other exporters hand out `.json.gz`/`.csv.gz`. */
async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await handle.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The encoding to use: a byte order mark if there is one, else the configured encoding (checked). */
function sniff(data: Buffer, configured: TextEncoding, _path: string): { encoding: TextEncoding; bomLength: number } {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return { encoding: 'utf8', bomLength: 3 };
  if (data[0] === 0xff && data[1] === 0xfe) return { encoding: 'utf16le', bomLength: 2 };
  if (data[0] === 0xfe && data[1] === 0xff) return { encoding: 'utf16be', bomLength: 2 };
  if (configured === 'utf8' || configured === 'latin1') {
    const wide = utf16WithoutBom(data);
    if (wide) {
      throw new SourceError(
        `${_path}: the file looks like ${NAMES[wide]} without a byte order mark (every other byte is zero), not ${NAMES[configured]}; set source.encoding: ${wide}`,
      );
    }
  }
  return { encoding: configured, bomLength: 0 };
}

/** Text in UTF-16 without a BOM has a zero in every other byte where the characters are ASCII. */
function utf16WithoutBom(data: Buffer): TextEncoding | undefined {
  const n = Math.min(data.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (data[i] === 0) evenZero++;
    if (data[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (evenZero > pairs * 0.4 && oddZero < pairs * 0.05) return 'utf16be';
  if (oddZero > pairs * 0.4 && evenZero < pairs * 0.05) return 'utf16le';
  return undefined;
}

class DecodeError extends Error {}

/**
 * Looks at the first bytes (a byte order mark, or the zeros of UTF-16 without one) before choosing
 * the decoder, then decodes chunk by chunk and keeps the line count for messages.
 */
class FileDecoder {
  private decoder: Decoder | undefined;
  private head: Buffer | undefined;
  private line = 1;

  constructor(
    private readonly path: string,
    private readonly configured: TextEncoding,
    private readonly onStart: (encoding: TextEncoding, bom: boolean) => void,
  ) {}

  write(chunk: Buffer): string {
    let data = this.head ? Buffer.concat([this.head, chunk]) : chunk;
    this.head = undefined;
    if (!this.decoder) {
      // A mark takes up to 3 bytes and the UTF-16 test wants a few characters: wait for them.
      if (data.length < 16) {
        this.head = data;
        return '';
      }
      data = this.start(data);
    }
    return this.count(this.decoder!.write(data, this.line));
  }

  end(): string {
    let text = '';
    if (this.head) {
      // The whole file was shorter than the look-ahead.
      const data = this.start(this.head);
      this.head = undefined;
      text = this.count(this.decoder!.write(data, this.line));
    }
    if (!this.decoder) this.onStart(this.configured, false);
    return text + (this.decoder?.end() ?? '');
  }

  private start(data: Buffer): Buffer {
    const found = sniff(data, this.configured, this.path);
    this.decoder = new Decoder(found.encoding);
    this.onStart(found.encoding, found.bomLength > 0);
    return data.subarray(found.bomLength);
  }

  private count(text: string): string {
    this.line += countNewlines(text);
    return text;
  }
}

/**
 * Streaming decoder that refuses invalid input. UTF-8 and UTF-16 go through the WHATWG decoder
 * with `fatal`; Latin-1 (every byte is a character) through Node's, which is true ISO-8859-1
 * where the WHATWG `latin1` label would mean Windows-1252.
 */
class Decoder {
  private readonly fatal: TextDecoder | undefined;
  private readonly latin1: StringDecoder | undefined;

  constructor(private readonly encoding: TextEncoding) {
    if (encoding === 'latin1') this.latin1 = new StringDecoder('latin1');
    else this.fatal = new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding === 'utf16le' ? 'utf-16le' : 'utf-16be', { fatal: true, ignoreBOM: true });
  }

  write(data: Buffer, line: number): string {
    if (this.latin1) return this.latin1.write(data);
    try {
      return (this.fatal as TextDecoder).decode(data, { stream: true });
    } catch {
      throw new DecodeError(this.where(data, line));
    }
  }

  end(): string {
    if (this.latin1) return this.latin1.end();
    try {
      return (this.fatal as TextDecoder).decode();
    } catch {
      throw new DecodeError(`the file ends inside a ${NAMES[this.encoding]} character (truncated?)`);
    }
  }

  /** The message, with the line of the first bad byte (found again, slowly, only on failure). */
  private where(data: Buffer, lineAtChunk: number): string {
    let good = 0;
    if (this.encoding === 'utf8') good = validUtf8Prefix(data);
    const before = data.subarray(0, good);
    const line = lineAtChunk + before.toString(this.encoding === 'utf8' ? 'utf8' : 'utf16le').split('\n').length - 1;
    const hint =
      this.encoding === 'utf8'
        ? ' (is the file in another encoding? set source.encoding, e.g. latin1)'
        : ' (an unpaired surrogate: is the file really UTF-16?)';
    return `bytes on line ${line} are not valid ${NAMES[this.encoding]}${hint}`;
  }
}

/** Length of the longest prefix of `data` that is whole, valid UTF-8 (continuation bytes may start it). */
function validUtf8Prefix(data: Buffer): number {
  let i = 0;
  while (i < data.length && (data[i] as number) >= 0x80 && (data[i] as number) < 0xc0) i++;
  while (i < data.length) {
    const b = data[i] as number;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > data.length) return i;
    for (let k = 1; k < n; k++) if (((data[i + k] as number) & 0xc0) !== 0x80) return i;
    i += n;
  }
  return i;
}

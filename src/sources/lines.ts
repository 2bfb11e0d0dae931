import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  /** 1-based. */
  number: number;
  text: string;
  /** Set when the line was longer than the limit; `text` is then empty. */
  tooLong?: boolean;
}

/**
 * Yields the lines of a file in constant memory. A line over `maxLength` characters is not kept:
 * it comes back flagged so the caller can reject it and go on.
 */
export async function* readLines(
  path: string,
  maxLength: number,
  encoding: BufferEncoding = 'utf8',
): AsyncGenerator<Line> {
  const decoder = new StringDecoder(encoding);
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let pending = '';
  let skipping = false;
  let number = 1;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = decoder.write(
        first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk,
      );
      first = false;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        if (skipping) yield { number, text: '', tooLong: true };
        else {
          const line = pending + text.slice(start, nl);
          if (line.length > maxLength) yield { number, text: '', tooLong: true };
          else yield { number, text: line.endsWith('\r') ? line.slice(0, -1) : line };
        }
        pending = '';
        skipping = false;
        number++;
        start = nl + 1;
      }
      if (!skipping) {
        pending += text.slice(start);
        if (pending.length > maxLength) {
          pending = '';
          skipping = true;
        }
      }
      text = '';
    }
    const rest = decoder.end();
    if (!skipping) pending += rest;
    if (skipping) yield { number, text: '', tooLong: true };
    else if (pending.length > 0)
      yield {
        number,
        text: pending.length > maxLength ? '' : pending,
        ...(pending.length > maxLength ? { tooLong: true } : {}),
      };
  } finally {
    stream.destroy();
  }
}

import { readText, type TextEncoding } from './text-file.ts';

export interface Line {
  /** 1-based. */
  number: number;
  text: string;
  /** Set when the line was longer than the limit; `text` is then empty. */
  tooLong?: boolean;
}

/**
 * Yields the lines of a file in constant memory (decoded by readText: BOMs, UTF-16, gzip, and a
 * fatal error for bytes that do not decode). A line over `maxLength` characters is not kept: it
 * comes back flagged so the caller can reject it and go on.
 */
export async function* readLines(path: string, maxLength: number, encoding: TextEncoding = 'utf8'): AsyncGenerator<Line> {
  let pending = '';
  let skipping = false;
  let number = 1;
  for await (let text of readText(path, encoding)) {
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
  if (skipping) yield { number, text: '', tooLong: true };
  else if (pending.length > 0) yield { number, text: pending.endsWith('\r') ? pending.slice(0, -1) : pending };
}

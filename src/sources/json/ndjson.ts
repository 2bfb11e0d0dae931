import { readLines } from '../lines.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import { toRecord } from './record.ts';

/** One JSON object per line; a broken line is rejected with its number and the next is read. */
export async function* readNdjson(
  path: string,
  maxLineLength: number,
  signal?: AbortSignal,
): AsyncGenerator<RawRecord> {
  for await (const line of readLines(path, maxLineLength)) {
    if (signal?.aborted) return;
    const position = `line ${line.number}`;
    if (line.tooLong) {
      yield { position, data: {}, error: `line is longer than ${maxLineLength} characters` };
      continue;
    }
    if (line.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      yield { position, data: {}, error: 'invalid JSON (a truncated or broken line?)' };
      continue;
    }
    yield toRecord(position, value);
  }
}

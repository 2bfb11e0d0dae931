import { pipeline, Readable } from 'node:stream';
import { SourceError } from '../source-error.ts';
import { readText, type TextEncoding } from '../text-file.ts';

export interface ArrayItem {
  index: number;
  value: unknown;
}

export type ArrayEvent = { ok: true; item: ArrayItem } | { ok: false; after: number; error: string };

/**
 * Streams the items of a JSON array — the whole document, or the array at `pick` (a dotted key
 * such as `users`) — without loading the document. JSON cannot be resynchronised after a syntax
 * error, so a broken or truncated document ends with one error event after the last good item.
 */
export async function* streamJsonArray(path: string, pick?: string | RegExp, encoding: TextEncoding = 'utf8'): AsyncGenerator<ArrayEvent> {
  // Loaded when a JSON array is read, not by every run that merely can read one (memory, start-up).
  const [{ default: Parser }, { default: Pick }, { default: StreamArray }] = await Promise.all([
    import('stream-json/Parser.js'),
    import('stream-json/filters/Pick.js'),
    import('stream-json/streamers/StreamArray.js'),
  ]);
  const stages: NodeJS.ReadWriteStream[] = [Parser.parser()];
  if (pick) stages.push(Pick.pick({ filter: pick }));
  const items = StreamArray.streamArray();
  // Decoded text (BOMs, UTF-16, gzip; undecodable bytes are fatal), re-encoded as UTF-8 for the parser.
  const input = Readable.from(readText(path, encoding), { objectMode: false });
  let failure: Error | undefined;
  // Errors are taken from the pipeline callback; the iterator then just ends.
  pipeline([input, ...stages, items] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream], (err) => {
    if (err) failure = err;
  });
  let last = -1;
  try {
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      last = key;
      yield { ok: true, item: { index: key, value } };
    }
  } catch (e) {
    failure ??= e as Error;
  } finally {
    input.destroy();
  }
  // The file itself could not be read (missing, undecodable): not a broken record, a fatal error.
  if (failure instanceof SourceError) throw failure;
  if (failure) {
    yield {
      ok: false,
      after: last,
      error: `invalid JSON after item ${last + 1} (truncated file?): ${clean(failure.message)}`,
    };
  }
}

/** Parser messages may quote the input; keep only the parser's own description. */
function clean(message: string): string {
  return message.replace(/\s+/g, ' ').slice(0, 120);
}

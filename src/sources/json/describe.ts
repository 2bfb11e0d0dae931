import { pipeline, Readable } from 'node:stream';
import { readText, type TextEncoding } from '../text-file.ts';

interface Token {
  name: string;
  value?: unknown;
}

/**
 * What a JSON document is, in a sentence, for an error that says why no user was found: "an object
 * with keys realm (text), users (list of 0), …" or "a list of 3 items (objects)". Streams the
 * document once; only the top two levels are looked at.
 */
export async function describeJson(path: string, encoding: TextEncoding = 'utf8'): Promise<string> {
  const { default: Parser } = await import('stream-json/Parser.js');
  const parser = Parser.parser({ streamValues: false, streamKeys: false });
  const input = Readable.from(readText(path, encoding), { objectMode: false });
  let failed: string | undefined;
  pipeline(input, parser, (err) => {
    if (err) failed = err.message.replace(/\s+/g, ' ').slice(0, 80);
  });
  let depth = 0;
  let top: 'object' | 'array' | 'value' | undefined;
  const keys: Array<{ key: string; kind: string; items: number }> = [];
  let pendingKey: string | undefined;
  let items = 0;
  const kindOf = (t: Token) =>
    t.name === 'startObject' ? 'object' : t.name === 'startArray' ? 'list' : t.name === 'stringValue' ? 'text' : t.name === 'numberValue' ? 'number' : t.name === 'nullValue' ? 'null' : 'true/false';
  try {
    for await (const t of parser as AsyncIterable<Token>) {
      if (depth === 0 && top === undefined) top = t.name === 'startObject' ? 'object' : t.name === 'startArray' ? 'array' : 'value';
      if (depth === 1 && top === 'object') {
        if (t.name === 'keyValue') pendingKey = String(t.value);
        else if (pendingKey !== undefined && t.name !== 'endObject') {
          keys.push({ key: pendingKey, kind: kindOf(t), items: 0 });
          pendingKey = undefined;
        }
      }
      if (depth === 1 && top === 'array' && !t.name.startsWith('end')) items++;
      if (depth === 2 && top === 'object' && keys.length > 0 && !t.name.startsWith('end') && t.name !== 'keyValue') {
        const last = keys[keys.length - 1] as (typeof keys)[number];
        if (last.kind === 'list') last.items++;
      }
      if (t.name === 'startObject' || t.name === 'startArray') depth++;
      else if (t.name === 'endObject' || t.name === 'endArray') depth--;
    }
  } catch (e) {
    failed ??= (e as Error).message;
  }
  if (failed !== undefined && top === undefined) return `not JSON (${failed})`;
  const broken = failed === undefined ? '' : ` (broken JSON: ${failed})`;
  if (top === 'array') return `a JSON list of ${items} item${items === 1 ? '' : 's'}${broken}`;
  if (top === 'object') {
    if (keys.length === 0) return `an empty JSON object${broken}`;
    const shown = keys.slice(0, 15).map((k) => `${k.key} (${k.kind === 'list' ? `list of ${k.items}` : k.kind})`);
    return `a JSON object with keys ${shown.join(', ')}${keys.length > 15 ? ', …' : ''}${broken}`;
  }
  return `a single JSON value, not an object or a list${broken}`;
}

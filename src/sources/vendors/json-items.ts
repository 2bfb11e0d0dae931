import { stat } from 'node:fs/promises';
import { streamJsonArray } from '../json/array.ts';
import { readNdjson } from '../json/ndjson.ts';
import { toRecord } from '../json/record.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import { readText } from '../text-file.ts';

/** Files below this are read whole when they are one JSON object (a single Kratos identity, a batch body). */
const WHOLE = 16 * 1024 * 1024;

/**
 * The items of a file that is a JSON array, JSON lines (NDJSON), or one JSON object that either is
 * an item itself or holds the array under `listKey`. Each item comes as a record, with a position.
 */
export async function* jsonItems(path: string, listKey: string, maxLineLength: number, signal?: AbortSignal): AsyncGenerator<RawRecord> {
  const first = await firstCharacter(path);
  if (first === '[') {
    yield* arrayItems(path, undefined, '', signal);
    return;
  }
  if (first === '{' && (await stat(path)).size <= WHOLE) {
    let text = '';
    for await (const chunk of readText(path)) text += chunk;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined; // several objects: JSON lines, read below
    }
    if (doc !== undefined) {
      const list = (doc as Record<string, unknown>)[listKey];
      if (doc !== null && typeof doc === 'object' && Array.isArray(list)) {
        for (const [i, item] of list.entries()) yield toRecord(`${listKey}[${i}]`, item);
      } else yield toRecord('document', doc);
      return;
    }
  } else if (first === '{') {
    // A large single object holding the list.
    let any = false;
    for await (const r of arrayItems(path, listKey, listKey, signal)) {
      any = true;
      yield r;
    }
    if (any) return;
  }
  yield* readNdjson(path, maxLineLength, signal);
}

async function* arrayItems(path: string, pick: string | undefined, label: string, signal?: AbortSignal): AsyncGenerator<RawRecord> {
  for await (const event of streamJsonArray(path, pick)) {
    if (signal?.aborted) return;
    if (!event.ok) {
      yield { position: `${label}[${event.after + 1}]`, data: {}, error: event.error };
      return;
    }
    yield toRecord(`${label}[${event.item.index}]`, event.item.value);
  }
}

async function firstCharacter(path: string): Promise<string | undefined> {
  for await (const text of readText(path)) {
    const m = /\S/.exec(text);
    if (m) return m[0];
  }
  return undefined;
}

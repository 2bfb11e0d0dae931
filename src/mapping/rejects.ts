import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export interface RejectsFile {
  add(position: string, reason: string): Promise<void>;
  readonly count: number;
  close(): Promise<void>;
}

/**
 * Writes one line per rejected record: `position<TAB>reason` (tsv) or `{"position","reason"}`
 * (ndjson). Reasons come from the mapper and never carry a hash or secret; tabs and newlines in
 * them are flattened so the file stays one record a line.
 */
export function openRejectsFile(path: string, format: 'tsv' | 'ndjson' = 'tsv'): RejectsFile {
  const out: WriteStream = createWriteStream(path, { flags: 'w' });
  let count = 0;
  let failed: Error | undefined;
  out.on('error', (e) => {
    failed = e;
  });
  return {
    get count() {
      return count;
    },
    async add(position, reason) {
      if (failed) throw failed;
      const line =
        format === 'ndjson'
          ? `${JSON.stringify({ position, reason })}\n`
          : `${flat(position)}\t${flat(reason)}\n`;
      count++;
      if (!out.write(line)) await once(out, 'drain');
    },
    async close() {
      if (failed) throw failed;
      out.end();
      await once(out, 'finish');
    },
  };
}

function flat(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

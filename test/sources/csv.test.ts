import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConfig } from '../../src/config/source.ts';
import { createSource } from '../../src/sources/index.ts';
import type { RawRecord } from '../../src/model/raw-record.ts';

const FIXTURES = new URL('../fixtures/sources/csv/', import.meta.url).pathname;

async function readAll(config: unknown, baseDir = FIXTURES): Promise<RawRecord[]> {
  const source = createSource(SourceConfig.parse(config), { baseDir });
  const out: RawRecord[] = [];
  for await (const r of source.read()) out.push(r);
  return out;
}

describe('csv source', () => {
  it('yields each row with its line, and a reason for each broken row without stopping', async () => {
    const records = await readAll({ kind: 'csv', path: 'users.csv' });
    expect(records.map((r) => [r.position, r.error ?? r.data.id])).toEqual([
      ['line 2', '1001'],
      ['line 3', '1002'],
      ['line 4', 'expected 8 columns, found 9'],
      ['line 5', 'unexpected text after the closing quote of field 2'],
      ['line 6', '1005'],
      ['line 7', '1006'],
    ]);
    expect(records[1]?.data.family_name).toBe('Hopper, "Amazing"');
    expect(records[1]?.data.password_hash).toBe('');
    expect(records[5]?.data.family_name).toBe('Multi\nLine');
  });

  it('decodes latin1 with a custom delimiter', async () => {
    const records = await readAll({ kind: 'csv', path: 'latin1.csv', encoding: 'latin1', delimiter: ';' });
    expect(records.map((r) => r.data.city)).toEqual(['São Paulo', 'München']);
  });

  it('strips a UTF-8 byte order mark from the first column name', async () => {
    const records = await readAll({ kind: 'csv', path: 'bom.csv' });
    expect(records).toEqual([{ position: 'line 2', data: { id: '1', email: 'bom@example.org' } }]);
  });

  it('stops on bytes that are not valid in the declared encoding, naming the line (issue 31: a wrongly decoded file is fatal)', async () => {
    // Issue 7 rejected only the row; issue 31 makes it fatal: the rest of such a file is suspect too.
    await expect(readAll({ kind: 'csv', path: 'bad-utf8.csv' })).rejects.toThrow(
      /bad-utf8\.csv: bytes on line 2 are not valid UTF-8 .*set source\.encoding, e\.g\. latin1/,
    );
  });

  it('reads the same file declared as latin1', async () => {
    const records = await readAll({ kind: 'csv', path: 'bad-utf8.csv', encoding: 'latin1' });
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual({ position: 'line 3', data: { id: '2', email: 'b@example.org', city: 'Berlin' } });
  });

  it('takes column names from the config when the file has no header', async () => {
    const records = await readAll({
      kind: 'csv',
      path: 'no-header.tsv',
      delimiter: '\t',
      columns: ['id', 'email'],
    });
    expect(records.map((r) => [r.position, r.data.email])).toEqual([
      ['line 1', 'x@example.org'],
      ['line 2', 'y@example.org'],
    ]);
  });

  it('reports the unfinished record of a truncated file', async () => {
    const records = await readAll({ kind: 'csv', path: 'truncated.csv' });
    expect(records).toEqual([
      { position: 'line 2', data: { id: '1', email: 'a@example.org' } },
      { position: 'line 3', data: {}, error: expect.stringContaining('not closed') },
    ]);
  });

  it('fails clearly on a header with a duplicate column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csv-'));
    try {
      await writeFile(join(dir, 'dup.csv'), 'id,email,id\n1,a,b\n');
      await expect(readAll({ kind: 'csv', path: 'dup.csv' }, dir)).rejects.toThrow(
        'CSV column "id" appears twice',
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  describe('a 10 MB field', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'csv-big-'));
      const big = 'x'.repeat(10 * 1024 * 1024);
      await writeFile(join(dir, 'big.csv'), `id,note\n1,small\n2,${big}\n3,"${big}"\n4,fine\n`);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true });
    });

    it('rejects only the rows holding it', async () => {
      const records = await readAll({ kind: 'csv', path: 'big.csv', maxFieldLength: 1_000_000 }, dir);
      expect(records.map((r) => [r.position, r.error ?? r.data.note])).toEqual([
        ['line 2', 'small'],
        ['line 3', 'field 2 is longer than 1000000 characters'],
        ['line 4', 'field 2 is longer than 1000000 characters'],
        ['line 5', 'fine'],
      ]);
    });
  });
});

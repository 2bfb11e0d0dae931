import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvParser, type CsvRow } from '../../src/sources/csv/parser.ts';

const opts = { delimiter: ',', quote: '"', maxFieldLength: 1000, maxRecordLines: 5 };

function parse(text: string, chunkSize = text.length || 1, o = opts): CsvRow[] {
  const p = new CsvParser(o);
  const rows: CsvRow[] = [];
  for (let i = 0; i < text.length; i += chunkSize) rows.push(...p.push(text.slice(i, i + chunkSize)));
  rows.push(...p.end());
  return rows;
}

describe('CsvParser', () => {
  it('reads plain, quoted, escaped and multi-line fields with the start line of each record', () => {
    const rows = parse('a,b\n1,"x, ""y"""\n2,"multi\nline"\r\n3,\n');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x, "y"'] },
      { line: 3, fields: ['2', 'multi\nline'] },
      { line: 5, fields: ['3', ''] },
    ]);
  });

  it('handles CRLF, a missing final newline, blank lines and a multi-character delimiter', () => {
    for (const chunk of [1, 2, 3, 100]) {
      expect(parse('a;;b\r\n\r\n1;;2\r', chunk, { ...opts, delimiter: ';;' })).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 3, fields: ['1', '2'] },
      ]);
    }
  });

  it('rejects text after a closing quote and carries on with the next row', () => {
    const rows = parse('1,"a"x,b\n2,ok\n');
    expect(rows[0]).toMatchObject({ line: 1, error: expect.stringContaining('after the closing quote') });
    expect(rows[1]).toEqual({ line: 2, fields: ['2', 'ok'] });
  });

  it('rejects a too-long field without buffering it and keeps the rows around it', () => {
    const big = 'x'.repeat(5000);
    for (const chunk of [7, 100, 100000]) {
      const rows = parse(`1,a\n2,${big}\n3,"${big}"\n4,b\n`, chunk);
      expect(rows.map((r) => [r.line, r.error === undefined ? r.fields : 'error'])).toEqual([
        [1, ['1', 'a']],
        [2, 'error'],
        [3, 'error'],
        [4, ['4', 'b']],
      ]);
      expect(rows[1]?.error).toContain('longer than 1000 characters');
    }
  });

  it('takes a quote left open for too many lines as a stray quote and re-reads the lines after it', () => {
    const text = '1,"oops\n' + Array.from({ length: 10 }, (_, i) => `${i + 2},fine`).join('\n') + '\n';
    const rows = parse(text, 4);
    expect(rows[0]).toMatchObject({ line: 1, error: expect.stringContaining('not closed') });
    expect(rows.slice(1)).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ line: i + 2, fields: [`${i + 2}`, 'fine'] })),
    );
  });

  it('reports an unclosed quote in a truncated file and re-reads what follows', () => {
    const rows = parse('1,a\n2,"trunc\n3,b');
    expect(rows).toEqual([
      { line: 1, fields: ['1', 'a'] },
      { line: 2, fields: [], error: expect.stringContaining('not closed') },
      { line: 3, fields: ['3', 'b'] },
    ]);
  });

  it('property: any table of fields round-trips through quoting, whatever the chunking', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '😀'),
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 20 }),
        (table, chunk) => {
          const text = table
            .map((row) => row.map((f) => `"${f.replaceAll('"', '""')}"`).join(','))
            .join('\n');
          const rows = parse(text, chunk, { ...opts, maxRecordLines: 1000 });
          expect(rows.map((r) => r.fields)).toEqual(table);
          expect(rows.every((r) => r.error === undefined)).toBe(true);
        },
      ),
    );
  });

  it('property: arbitrary input never throws and every row has a line within the text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'x'), maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (text, chunk) => {
          const rows = parse(text, chunk, { ...opts, maxFieldLength: 5, maxRecordLines: 2 });
          const lines = text.split('\n').length;
          for (const r of rows) {
            expect(r.line).toBeGreaterThanOrEqual(1);
            expect(r.line).toBeLessThanOrEqual(lines);
          }
          const starts = rows.map((r) => r.line);
          expect([...starts].sort((a, b) => a - b)).toEqual(starts);
        },
      ),
    );
  });
});

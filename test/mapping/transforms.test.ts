import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromEpoch, parseDate, parseDateTime } from '../../src/mapping/dates.ts';
import { openRejectsFile } from '../../src/mapping/rejects.ts';
import { splitList, splitName, toBoolean, toE164 } from '../../src/mapping/transforms.ts';
import { TransformError } from '../../src/mapping/transform-error.ts';

describe('transforms', () => {
  it('parse dates in given formats and reject impossible ones', () => {
    expect(parseDate('10.12.1815', 'DD.MM.YYYY')).toBe('1815-12-10');
    expect(parseDate('2/29/2024', 'M/D/YYYY')).toBe('2024-02-29');
    expect(() => parseDate('29.02.2023', 'DD.MM.YYYY')).toThrow(TransformError);
    expect(parseDateTime('2024-03-01 12:00:00')).toBe('2024-03-01T12:00:00.000Z');
    expect(parseDateTime('2024-03-01T12:00:00+02:00')).toBe('2024-03-01T10:00:00.000Z');
    expect(fromEpoch('1700000000', 'seconds')).toBe('2023-11-14T22:13:20.000Z');
  });

  it('normalise phones, lists, booleans and names', () => {
    expect(toE164('0176 12345678', 'DE')).toBe('+4917612345678');
    expect(() => toE164('12345')).toThrow('a national number needs defaultRegion');
    expect(splitList(' a; b ;;c', ';')).toEqual(['a', 'b', 'c']);
    expect(toBoolean('Yes')).toBe(true);
    expect(splitName('Ada King Lovelace')).toEqual({
      given: 'Ada',
      middle: 'King',
      family: 'Lovelace',
      display: 'Ada King Lovelace',
    });
  });

  it('property: datetime round-trips any instant and date round-trips any day', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (d) => {
          expect(parseDateTime(d.toISOString())).toBe(d.toISOString());
          const day = d.toISOString().slice(0, 10);
          const [y, m, dd] = day.split('-');
          expect(parseDate(`${dd}.${m}.${y}`, 'DD.MM.YYYY')).toBe(day);
        },
      ),
    );
  });

  it('property: transforms either convert or throw a TransformError, never anything else', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        for (const f of [
          () => toBoolean(v),
          () => toE164(v, 'DE'),
          () => splitList(v),
          () => parseDate(v),
          () => parseDateTime(v),
          () => fromEpoch(v, 'millis'),
        ]) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(TransformError);
          }
        }
      }),
    );
  });
});

describe('rejects file', () => {
  it('writes position<TAB>reason lines, flattening tabs and newlines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rejects-'));
    try {
      const file = openRejectsFile(join(dir, 'rejects.tsv'));
      await file.add('line 4', 'expected 8 columns, found 9');
      await file.add('users[2]', 'bad\tvalue\nhere');
      await file.close();
      expect(file.count).toBe(2);
      expect(await readFile(join(dir, 'rejects.tsv'), 'utf8')).toBe(
        'line 4\texpected 8 columns, found 9\nusers[2]\tbad value here\n',
      );
      const nd = openRejectsFile(join(dir, 'rejects.ndjson'), 'ndjson');
      await nd.add('line 1', 'x');
      await nd.close();
      expect(await readFile(join(dir, 'rejects.ndjson'), 'utf8')).toBe(
        '{"position":"line 1","reason":"x"}\n',
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

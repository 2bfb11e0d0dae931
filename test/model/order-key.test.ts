import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binlogKey,
  commitPositionKey,
  compareOrderKeys,
  gtidKey,
  intKey,
  legacyKey,
  lsnKey,
  maxwellKey,
  millisKey,
  sequenceKey,
  timeKey,
  withTieBreak,
} from '../../src/model/order-key.ts';

const cmp = (a: string, b: string) => {
  const o = compareOrderKeys(a, b);
  if (!('order' in o)) throw new Error(o.unorderable);
  return o.order;
};
const sign = (x: bigint | number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

describe('order keys', () => {
  it('integers of any size compare as numbers, as strings too (what SQLite orders by)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.bigInt({ min: 0n, max: 10n ** 40n }), (a, b) => {
        const [x, y] = [intKey(a)!, intKey(b)!];
        expect(cmp(x, y)).toBe(sign(a - b));
        expect(sign(x < y ? -1 : x > y ? 1 : 0)).toBe(sign(a - b));
        expect(intKey(a.toString().padStart(45, '0'))).toBe(x);
      }),
    );
    expect(intKey(-1)).toBeUndefined();
    expect(intKey(1.5)).toBeUndefined();
    expect(intKey('1e3')).toBeUndefined();
  });

  it('times compare chronologically, offsets and sub-millisecond digits included; non-RFC 3339 text is not a time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_000 }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.integer({ min: 0, max: 253_402_300_799_000 }),
        (msA, nsA, off, msB) => {
          // The same instant written with an offset and with microseconds, against another one.
          const local = new Date(msA + off * 60_000).toISOString().slice(0, 19);
          const z = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
          const a = timeKey(`${local}.${String(msA % 1000).padStart(3, '0')}${String(nsA).padStart(6, '0')}${z}`);
          const b = millisKey(msB);
          fc.pre(a !== undefined && b !== undefined);
          const aNs = BigInt(Math.floor(msA / 1000)) * 10n ** 9n + BigInt(msA % 1000) * 10n ** 6n + BigInt(nsA);
          const bNs = BigInt(Math.floor(msB / 1000)) * 10n ** 9n + BigInt(msB % 1000) * 10n ** 6n;
          expect(cmp(a!, b!)).toBe(sign(aNs - bNs));
        },
      ),
    );
    // Two changes 1 µs apart do not tie (Date.parse would make them equal).
    expect(cmp(timeKey('2026-01-01T00:00:00.000001Z')!, timeKey('2026-01-01T00:00:00.000002Z')!)).toBe(-1);
    for (const t of ['a-0001', '2026-02-30T00:00:00Z', '2026-01-01', 'Jan 1 2026', '2026-01-01T25:00:00Z']) expect(timeKey(t)).toBeUndefined();
  });

  it('LSNs, commit positions, binlog positions, GTIDs and Maxwell positions compare as the numbers in them', () => {
    expect(cmp(lsnKey('0/16B3748')!, lsnKey('1/0')!)).toBe(-1);
    expect(lsnKey(24023128)).toBe(lsnKey('0/16E9058'));
    expect(cmp(commitPositionKey('0/100', 9)!, commitPositionKey('0/100', 10)!)).toBe(-1);
    expect(cmp(commitPositionKey('0/100', 999)!, commitPositionKey('0/101', 0)!)).toBe(-1);
    expect(cmp(binlogKey('mysql-bin.000009', 900, 0)!, binlogKey('mysql-bin.000010', 4, 0)!)).toBe(-1);
    expect(cmp(binlogKey('mysql-bin.999999', 4)!, binlogKey('mysql-bin.1000000', 4)!)).toBe(-1);
    expect(cmp(binlogKey('mysql-bin.000003', 484, 0)!, binlogKey('mysql-bin.000003', 484, 1)!)).toBe(-1);
    expect(cmp(gtidKey('3E11FA47-71CA-11E1-9E33-C80AA9429562:23')!, gtidKey('3e11fa47-71ca-11e1-9e33-c80aa9429562:23', 1)!)).toBe(-1);
    expect(cmp(gtidKey('0-1-9')!, gtidKey('0-1-10')!)).toBe(-1);
    expect(cmp(maxwellKey(1449786310, 940752, 1)!, maxwellKey(1449786310, 940752, 2)!)).toBe(-1);
  });

  it('a broker sequence breaks a tie, and only a tie', () => {
    const t = millisKey(1_700_000_000_000)!;
    expect(cmp(withTieBreak(t, 7), withTieBreak(t, 12))).toBe(-1);
    expect(cmp(withTieBreak(t, 99), withTieBreak(millisKey(1_700_000_000_001)!, 1))).toBe(-1);
    expect(cmp(withTieBreak(sequenceKey('a')!, 5), sequenceKey('ab')!)).toBe(-1);
  });

  it('sequences compare as strings; forms do not compare; unpadded integers that disagree are said to', () => {
    expect(cmp(sequenceKey('a-0001')!, sequenceKey('a-0002')!)).toBe(-1);
    expect(cmp(sequenceKey('0009')!, sequenceKey('0010')!)).toBe(-1);
    expect(cmp(sequenceKey('1')!, sequenceKey('10')!)).toBe(-1);
    expect(compareOrderKeys(sequenceKey('9')!, sequenceKey('10')!)).toEqual({ unorderable: expect.stringContaining('unpadded integers') });
    expect(compareOrderKeys(timeKey('2026-01-01T00:00:00Z')!, sequenceKey('1')!)).toEqual({ unorderable: expect.stringContaining('is a time') });
    expect(compareOrderKeys(intKey(5)!, lsnKey(5)!)).toEqual({ unorderable: expect.any(String) });
    expect(sequenceKey('x\u0001y')).toBeUndefined();
  });

  it('versions of an older inbox compare with integers, times and LSNs by the number they were', () => {
    expect(cmp(legacyKey(5), intKey(6)!)).toBe(-1);
    expect(cmp(intKey(6)!, legacyKey(5))).toBe(1);
    expect(cmp(legacyKey(1_700_000_000_000), millisKey(1_700_000_000_001)!)).toBe(-1);
    expect(cmp(legacyKey(0x16b3748), lsnKey('0/16B3749')!)).toBe(-1);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMapper } from '../../src/mapping/index.ts';
import { createDecoder, subjectResolver } from '../../src/stream/envelope/index.ts';
import { autoVersionKey, canonicalType, eventTime } from '../../src/stream/envelope/common.ts';
import { EnvelopeConfig } from '../../src/stream/envelope/config.ts';
import type { IncomingEvent } from '../../src/ledger/inbox/inbox.ts';
import { intKey, lsnKey, millisKey, sequenceKey, timeKey } from '../../src/model/order-key.ts';

const mapping = {
  fields: { sourceId: 'id', email: 'email', 'name.given': 'first_name' },
  password: { from: 'pw_hash', format: 'auto', saltEncoding: 'utf8', saltPosition: 'prefix', unrecognised: 'reject', encoding: 'hex' },
} as never;
const mapper = await createMapper(mapping);
const ctx = { subjectOf: subjectResolver(mapping, mapper) };
const BCRYPT = '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';

const msg = (body: unknown, headers: Record<string, string> = {}) => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers,
  input: 'in',
});
const okEvent = (rs: IncomingEvent[]) => {
  const r = rs[0];
  if (rs.length !== 1 || !r?.ok) throw new Error(`expected an event, got ${JSON.stringify(rs)}`);
  return r.event;
};
const badReason = (rs: IncomingEvent[]) => {
  const r = rs[0];
  if (rs.length !== 1 || !r || r.ok || !('bad' in r)) throw new Error(`expected a bad event, got ${JSON.stringify(rs)}`);
  return r.bad.reason;
};

describe('CloudEvents', () => {
  const decode = createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents' }), ctx);
  const ce = {
    specversion: '1.0',
    id: 'e1',
    source: 'urn:legacy',
    type: 'com.acme.user.updated',
    subject: 'u1',
    time: '2026-01-01T00:00:00Z',
    sequence: '42',
    data: { email: 'a@example.com' },
  };
  it('reads structured mode; sequence is the version, compared as a string (the spec)', () => {
    const e = okEvent(decode(msg(ce)));
    expect(e).toMatchObject({ id: 'e1', source: 'urn:legacy', type: 'user.updated', subject: 'u1', version: sequenceKey('42'), shape: 'user' });
    expect(e.data?.email).toBe('a@example.com');
    // `sequencetype: Integer` compares as numbers.
    expect(okEvent(decode(msg({ ...ce, sequencetype: 'Integer' }))).version).toBe(intKey(42));
  });
  it('reads binary mode from ce-* headers (percent-decoded)', () => {
    const e = okEvent(
      decode(msg({ sourceId: 'ué', email: 'b@example.com' }, { 'ce-specversion': '1.0', 'ce-id': 'e2', 'ce-source': 's', 'ce-type': 'user.created', 'ce-subject': 'u%C3%A9', 'ce-sequence': '0/16B3748' })),
    );
    expect(e).toMatchObject({ id: 'e2', type: 'user.created', subject: 'ué', version: sequenceKey('0/16B3748') });
  });
  it('uses the time as version when there is no sequence, and arrival order with neither; deletes need no data', () => {
    const e = okEvent(decode(msg({ ...ce, type: 'user.deleted', sequence: undefined, data: undefined })));
    expect(e.version).toBe(timeKey('2026-01-01T00:00:00Z'));
    expect(e.data).toBeUndefined();
    expect(okEvent(decode(msg({ ...ce, sequence: undefined, time: undefined }))).version).toBe('a:');
    // A time that is not RFC 3339 is never taken for one (`Date.parse("a-0001")` is a date).
    expect(badReason(decode(msg({ ...ce, sequence: undefined, time: 'a-0001' })))).toMatch(/not an RFC 3339 time/);
  });
  it('dead-letters unparseable bodies, unknown types and a missing subject, with a reason', () => {
    expect(badReason(decode(msg('{nope')))).toMatch(/unparseable/);
    expect(badReason(decode(msg({ ...ce, type: 'order.placed' })))).toMatch(/unknown event type/);
    expect(badReason(decode(msg({ ...ce, subject: undefined, data: { email: 'a@example.com' } })))).toMatch(/subject/);
    expect(badReason(decode(msg({ ...ce, specversion: '0.3' })))).toMatch(/CloudEvents 1.0/);
    expect(badReason(decode(msg({ ...ce, data: 'x' })))).toMatch(/data is not an object/);
    expect(badReason(decode(msg({ ...ce, data: { sourceId: 'u9' } })))).toMatch(/subject and the id in the data differ/);
  });
  it('keeps legacy records as they are when data: mapped (mapped once merged into the user)', () => {
    const d = createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents', data: 'mapped', dataPath: 'user' }), ctx);
    const e = okEvent(d(msg({ ...ce, subject: undefined, data: { user: { id: 'u1', email: 'm@example.com', first_name: 'M', pw_hash: BCRYPT } } })));
    expect(e).toMatchObject({ subject: 'u1', shape: 'record', data: { first_name: 'M', pw_hash: BCRYPT } });
  });
});

describe('dead letters', () => {
  it('the reason never carries a hash or a secret the message quoted', () => {
    const d = createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents' }), ctx);
    const ce = { specversion: '1.0', id: 'x1', source: 's', subject: 'u1', sequence: '1', data: { id: 'u1' } };
    // A producer that put the hash where the type goes: the reason says what was wrong, not what it was.
    const reason = badReason(d(msg({ ...ce, type: BCRYPT })));
    expect(reason).toMatch(/^unknown event type: /);
    expect(reason).not.toContain(BCRYPT.slice(7));
  });
});

describe('Debezium', () => {
  const decode = createDecoder(EnvelopeConfig.parse({ kind: 'debezium', passwordColumn: 'pw_hash' }), ctx);
  const row = { id: 'u7', email: 'd@example.com', first_name: 'D', pw_hash: BCRYPT };
  const env = (op: string, before: unknown, after: unknown) => ({
    schema: {},
    payload: { op, before, after, source: { connector: 'postgresql', name: 'legacy', table: 'users', lsn: 1000, txId: 7, ts_ms: 1700000000000 }, ts_ms: 1700000000100 },
  });
  it('turns c/u/d into created/updated/deleted, LSN as version', () => {
    expect(okEvent(decode(msg(env('c', null, row))))).toMatchObject({ type: 'user.created', subject: 'u7', version: lsnKey(1000) });
    expect(okEvent(decode(msg(env('u', row, { ...row, first_name: 'E' }))))).toMatchObject({ type: 'user.updated' });
    const del = okEvent(decode(msg(env('d', row, null))));
    expect(del).toMatchObject({ type: 'user.deleted', subject: 'u7' });
    expect(del.data).toBeUndefined();
  });
  it('detects password and email changes from the before/after images', () => {
    expect(okEvent(decode(msg(env('u', row, { ...row, pw_hash: BCRYPT.replace('N9', 'M9') })))).type).toBe('user.password_changed');
    expect(okEvent(decode(msg(env('u', row, { ...row, email: 'new@example.com' })))).type).toBe('user.email_changed');
  });
  it('ignores the Kafka tombstone after a delete; dead-letters unknown ops', () => {
    expect(decode(msg('null'))).toEqual([{ ok: false, ignored: expect.stringContaining('tombstone') }]);
    expect(badReason(decode(msg(env('x', null, row))))).toMatch(/unknown Debezium op/);
  });
});

describe('plain JSON', () => {
  const decode = createDecoder(
    EnvelopeConfig.parse({ kind: 'json', id: 'event_id', type: 'kind', version: 'seq', time: 'at', subject: 'uid', data: 'user', types: { pw: 'user.password_changed', gone: 'user.deleted' } }),
    ctx,
  );
  it('reads the fields the config names and keeps the record for the mapping', () => {
    const e = okEvent(decode(msg({ event_id: 'p1', kind: 'pw', seq: 3, at: '2026-01-01T00:00:00Z', uid: 'u1', user: { id: 'u1', email: 'p@example.com', pw_hash: BCRYPT } })));
    expect(e).toMatchObject({ id: 'p1', type: 'user.password_changed', version: intKey(3), subject: 'u1', shape: 'record' });
    expect(okEvent(decode(msg({ event_id: 'p2', kind: 'gone', seq: 4, uid: 'u1' })))).toMatchObject({ type: 'user.deleted' });
  });
});

describe('autoVersionKey', () => {
  it('reads integers as integers, RFC 3339 times as times, other strings as strings; never guesses a date', () => {
    expect(autoVersionKey(7)).toBe(intKey(7));
    expect(autoVersionKey('12')).toBe(intKey(12));
    expect(autoVersionKey('2026-01-01T00:00:00Z')).toBe(timeKey('2026-01-01T00:00:00Z'));
    expect(autoVersionKey('a-0001')).toBe(sequenceKey('a-0001'));
    expect(autoVersionKey('00000000015357D0')).toBe(sequenceKey('00000000015357D0'));
    expect(autoVersionKey(-1)).toEqual({ error: expect.any(String) });
    expect(autoVersionKey(undefined)).toEqual({ error: 'missing version' });
    expect(autoVersionKey('soon', 'time')).toEqual({ error: expect.stringContaining('RFC 3339') });
    expect(millisKey(Date.parse('2026-01-01T00:00:00Z'))).toBe(timeKey('2026-01-01T00:00:00.000Z'));
  });
});

describe('eventTime', () => {
  const NOW = new Date('2030-05-05T05:05:05.555Z');
  // What every decoder did before the fast path: parse, then write back in UTC with milliseconds.
  const byDate = (t: string | undefined) => (t !== undefined && !Number.isNaN(Date.parse(t)) ? new Date(t).toISOString() : NOW.toISOString());
  const now = () => NOW;

  it('gives what Date gives for any time, in any form, valid or not', () => {
    const digits = (n: number, max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
    // Field by field, out of range included (month 13, Feb 30, hour 24, second 60), so the shape
    // the fast path accepts is hit often, on both sides of its edges.
    const shaped = fc
      .tuple(digits(4, 9999), digits(2, 19), digits(2, 39), digits(2, 29), digits(2, 69), digits(2, 69), digits(3, 999), fc.constantFrom('Z', '+02:00', 'z', ''))
      .map(([y, mo, d, h, mi, s, ms, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${zone}`);
    const fromDates = fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
    fc.assert(
      fc.property(fc.oneof(shaped, fromDates, fc.string(), fc.constant(undefined)), (t) => {
        expect(eventTime(t, now)).toBe(byDate(t));
      }),
      { numRuns: 5000 },
    );
  });

  it('rolls impossible days over as Date does, and falls back to now', () => {
    expect(eventTime('2024-02-30T00:00:00.000Z', now)).toBe('2024-03-01T00:00:00.000Z');
    expect(eventTime('2024-02-29T24:00:00.000Z', now)).toBe('2024-03-01T00:00:00.000Z');
    expect(eventTime('2026-01-01T10:00:00+02:00', now)).toBe('2026-01-01T08:00:00.000Z');
    expect(eventTime('2024-13-01T00:00:00.000Z', now)).toBe(NOW.toISOString());
    expect(eventTime(undefined, now)).toBe(NOW.toISOString());
  });
});

describe('canonicalType', () => {
  it('takes the config map first, then the canonical names and their suffixes; nothing from the prototype', () => {
    expect(canonicalType('UserRenamed', { UserRenamed: 'user.updated' })).toBe('user.updated');
    expect(canonicalType('user.deleted', {})).toBe('user.deleted');
    expect(canonicalType('com.shop.user.password_changed', {})).toBe('user.password_changed');
    expect(canonicalType('com.shop.user.renamed', {})).toBeUndefined();
    expect(canonicalType('constructor', {})).toBeUndefined();
    expect(canonicalType('toString', {})).toBeUndefined();
    expect(canonicalType(undefined, {})).toBeUndefined();
  });
});

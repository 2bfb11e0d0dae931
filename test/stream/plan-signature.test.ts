import { describe, expect, it, vi } from 'vitest';
import type { ClaimedUser } from '../../src/ledger/inbox/inbox.ts';
import { fromRows, type ClaimedRow } from '../../src/ledger/inbox/wire.ts';
import { millisKey, sequenceKey, timeKey } from '../../src/model/order-key.ts';
import { createMaterialiser } from '../../src/stream/materialise.ts';
import { planUser as plan } from '../../src/stream/plan.ts';
import { sign, verifySignature, secretKey } from '../../src/stream/inputs/webhook/signature.ts';
import { ev, v } from './fixtures.ts';

const materialise = createMaterialiser({});
const planUser = (c: ClaimedUser) => plan(c, materialise);

type Ev = ReturnType<typeof ev>;

function claimed(events: Ev[], over: Partial<Omit<ClaimedUser, 'appliedVersion'>> & { appliedVersion?: number | string } = {}): ClaimedUser {
  const { appliedVersion, ...rest } = over;
  return {
    subject: 'u1',
    appliedVersion: appliedVersion === undefined ? '' : typeof appliedVersion === 'number' ? v(appliedVersion) : appliedVersion,
    appliedDigests: [],
    state: undefined,
    tombstone: false,
    lastEmail: undefined,
    known: false,
    attempts: 0,
    // As the inbox hands them out: by order key, then arrival.
    events: events.map((e, i) => ({ ...e, seq: i + 1, receivedAt: 0 })).sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.seq - b.seq)),
    ...rest,
  };
}

describe('planUser', () => {
  it('coalesces a burst into one upsert of the merged state', () => {
    const p = planUser(claimed([ev('u1', 1, 'user.created'), ev('u1', 2), ev('u1', 3, 'user.password_changed')]));
    expect(p).toMatchObject({ kind: 'upsert', version: v(3), events: [1, 2, 3] });
    if (p.kind === 'upsert') expect(p.user.attributes.rev).toBe(3);
  });
  it('skips events older than the applied version', () => {
    const p = planUser(claimed([ev('u1', 4), ev('u1', 5), ev('u1', 6)], { appliedVersion: 5, known: true, lastEmail: 'u1.r5@example.com' }));
    // 5 is the applied version itself: with no digest of it on record it is a different change, applied after.
    expect(p).toMatchObject({ kind: 'upsert', version: v(6), skipped: [1], events: [2, 3] });
  });
  it('never merges across a delete; a tombstone stops late updates, not newer changes', () => {
    expect(planUser(claimed([ev('u1', 1), ev('u1', 2, 'user.deleted'), ev('u1', 3, 'user.created')]))).toMatchObject({ kind: 'upsert', events: [1], version: v(1) });
    expect(planUser(claimed([ev('u1', 2, 'user.deleted'), ev('u1', 3, 'user.created')]))).toMatchObject({ kind: 'delete', events: [1] });
    expect(planUser(claimed([ev('u1', 3, 'user.created'), ev('u1', 4)], { appliedVersion: 2, tombstone: true }))).toMatchObject({ kind: 'upsert', skipped: [], events: [1, 2], version: v(4), known: false });
    expect(planUser(claimed([ev('u1', 1)], { appliedVersion: 2, tombstone: true }))).toMatchObject({ kind: 'noop', skipped: [1] });
  });
  it('re-creates a deleted user from a newer update whose create is still on its way', () => {
    // Deleted at 2, re-created at 3, changed at 4; the change arrives first. Dropping it would
    // leave the target at version 3 for good once the create arrives.
    const p = planUser(claimed([ev('u1', 4, 'user.password_changed')], { appliedVersion: 2, tombstone: true, known: true, lastEmail: 'u1.r1@example.com' }));
    expect(p).toMatchObject({ kind: 'upsert', events: [1], version: v(4), known: false, emailChange: undefined });
    if (p.kind === 'upsert') expect(p.user.attributes.rev).toBe(4);
    // The create, arriving after: older than what was applied, a no-op.
    expect(planUser(claimed([ev('u1', 3, 'user.created')], { appliedVersion: 4, known: true }))).toMatchObject({ kind: 'noop', skipped: [1] });
  });
  it('flags an email change against what the target last got', () => {
    const p = planUser(claimed([ev('u1', 3, 'user.email_changed')], { appliedVersion: 2, known: true, lastEmail: 'old@example.com' }));
    expect(p).toMatchObject({ kind: 'upsert', emailChange: { previous: 'old@example.com' } });
    const same = planUser(claimed([ev('u1', 3)], { appliedVersion: 2, known: true, lastEmail: 'u1.r3@example.com' }));
    expect(same).toMatchObject({ kind: 'upsert', emailChange: undefined });
    const reborn = planUser(claimed([ev('u1', 4, 'user.created')], { appliedVersion: 3, tombstone: true, known: true, lastEmail: 'old@example.com' }));
    expect(reborn).toMatchObject({ kind: 'upsert', known: false, emailChange: undefined });
  });
  it('plans users claimed back from the SQLite inbox alike, never parsing the events it skips', () => {
    const cases = [
      claimed([ev('u1', 1, 'user.created'), ev('u1', 2), ev('u1', 3, 'user.password_changed'), ev('u1', 4)]),
      claimed([ev('u1', 1), ev('u1', 2, 'user.deleted'), ev('u1', 3, 'user.created')]),
      claimed([ev('u1', 4), ev('u1', 5), ev('u1', 6, 'user.email_changed')], { appliedVersion: 5, known: true, lastEmail: 'old@example.com' }),
    ];
    for (const eager of cases) {
      // As the inbox thread hands them over: each event's data as the JSON it was stored as.
      const row: ClaimedRow = {
        ...eager,
        events: eager.events.flatMap((e) => [e.seq, e.source, e.id, e.subject, e.type, e.version, e.time, e.receivedAt, e.data === undefined ? null : JSON.stringify(e.data), e.shape ?? null]),
      };
      const parse = vi.spyOn(JSON, 'parse');
      try {
        const [lazy] = fromRows([row]);
        const p = planUser(lazy!);
        const skipped = p.skipped.length;
        expect(p).toEqual(planUser(eager));
        expect(parse).toHaveBeenCalledTimes(p.kind === 'upsert' ? p.events.length : 0);
        expect(skipped).toBe(eager === cases[2] ? 1 : 0);
      } finally {
        parse.mockRestore();
      }
    }
  });
});

describe('planUser: changes that tie', () => {
  it('applies two different changes of the same second in arrival order, and drops only a true duplicate', () => {
    const at = millisKey(Date.UTC(2026, 0, 1, 12, 0, 0))!;
    const a = { ...ev('u1', 1, 'user.updated', 'a'), version: at };
    const b = { ...ev('u1', 1, 'user.password_changed', 'b'), version: at, data: { ...ev('u1', 2).data } };
    const p = planUser(claimed([a, b]));
    expect(p).toMatchObject({ kind: 'upsert', events: [1, 2], skipped: [], duplicates: [] });
    if (p.kind === 'upsert') expect(p.user.attributes.rev).toBe(2);
    // Applied both: a third message at that time with a's content under another id is a redelivery.
    const after = { appliedVersion: at, appliedDigests: p.kind === 'upsert' ? p.digests : [], known: true, state: p.kind === 'upsert' ? p.state : undefined };
    expect(planUser(claimed([{ ...a, id: 'a-again' }], after))).toMatchObject({ kind: 'noop', duplicates: [1], skipped: [] });
    // A delete at the same second is a different change: applied, not dropped as "at or below".
    expect(planUser(claimed([{ ...ev('u1', 1, 'user.deleted', 'c'), version: at }], after))).toMatchObject({ kind: 'delete', events: [1] });
  });
  it('dead-letters a change whose version cannot be ordered against the applied one, with the reason', () => {
    const seq = sequenceKey('0005')!;
    const time = timeKey('2026-01-01T00:00:00Z')!;
    const p = planUser(claimed([{ ...ev('u1', 9), version: time }, { ...ev('u1', 6), version: sequenceKey('0006')! }], { appliedVersion: seq, known: true }));
    expect(p).toMatchObject({ kind: 'upsert', events: [2], version: sequenceKey('0006') });
    expect(p.unusable).toEqual([{ seqs: [1], reason: expect.stringMatching(/cannot be ordered: its version is a time, this user's changes are ordered by a sequence string/) }]);
    // Unpadded integers whose string order and number order disagree are not guessed either.
    const q = planUser(claimed([{ ...ev('u1', 10), version: sequenceKey('10')! }], { appliedVersion: sequenceKey('9')!, known: true }));
    expect(q).toMatchObject({ kind: 'noop', unusable: [{ seqs: [1], reason: expect.stringContaining('unpadded integers') }] });
  });
});

describe('planUser: partial changes merge into the last applied state', () => {
  const full = {
    sourceId: 'u1',
    email: 'u1@example.com',
    emailVerified: true,
    name: { given: 'Ada', family: 'Lovelace' },
    password: { algorithm: 'bcrypt', format: 'bcrypt', params: { cost: 4 }, hash: 'x', encoded: '$2b$04$abcdefghijklmnopqrstuu5s2PbTyHjgmLXMTfqCWWzj3TZ0G0r1u' },
    mfa: [{ type: 'totp', secret: 'JBSWY3DPEHPK3PXP', digits: 6, period: 30, algorithm: 'SHA1' }],
    attributes: { plan: 'pro' },
  };
  const state = { shape: 'user' as const, json: JSON.stringify(full) };
  it('absent fields stay as they were, explicit nulls clear, nested objects merge', () => {
    const partial = { ...ev('u1', 2), data: { sourceId: 'u1', email: 'new@example.com', name: { given: 'Augusta' }, attributes: { plan: null } } };
    const p = planUser(claimed([partial], { appliedVersion: 1, known: true, state, lastEmail: 'u1@example.com' }));
    expect(p.kind).toBe('upsert');
    if (p.kind !== 'upsert') return;
    expect(p.user).toMatchObject({ email: 'new@example.com', emailVerified: true, name: { given: 'Augusta', family: 'Lovelace' }, password: full.password, mfa: full.mfa });
    expect(p.user.attributes).toEqual({});
    expect(p.emailChange).toEqual({ previous: 'u1@example.com' });
    expect(JSON.parse(p.state.json)).toMatchObject({ name: { given: 'Augusta', family: 'Lovelace' }, password: full.password });
  });
  it('after a delete the state starts empty; a change that leaves the user unusable is a dead letter, the ones before it go out', () => {
    const partial = { ...ev('u1', 5), data: { name: { given: 'X' } } };
    const p = planUser(claimed([partial], { appliedVersion: 4, tombstone: true, known: true, state }));
    expect(p).toMatchObject({ kind: 'noop', unusable: [{ seqs: [1], reason: expect.stringContaining('identifier') }] });
    const ok = { ...ev('u1', 2), data: { name: { given: 'B' } } };
    const breaks = { ...ev('u1', 3), data: { email: null } };
    const later = { ...ev('u1', 4), data: { name: { given: 'D' } } };
    const q = planUser(claimed([ok, breaks, later], { appliedVersion: 1, known: true, state }));
    expect(q).toMatchObject({ kind: 'upsert', events: [1], version: v(2), unusable: [{ seqs: [2] }] });
  });
});

describe('Standard Webhooks signatures', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const key = secretKey(secret) as Buffer;
  const body = Buffer.from('{"a":1}');
  const now = 1_700_000_000_000;
  const headers = (id: string, ts: number, sig: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });
  const other = secretKey(`whsec_${Buffer.from('another key of 16+ bytes').toString('base64')}`) as Buffer;
  it('accepts a valid signature, also among several (key rotation)', () => {
    const ts = now / 1000;
    expect(verifySignature(headers('m1', ts, sign(secret, 'm1', ts, body)), body, [key], 300, now)).toMatchObject({ ok: true, id: 'm1' });
    expect(verifySignature(headers('m1', ts, `v1,AAAA ${sign(secret, 'm1', ts, body)}`), body, [other, key], 300, now).ok).toBe(true);
  });
  it('refuses unsigned, stale, future, tampered and wrong-key requests', () => {
    const ts = now / 1000;
    expect(verifySignature({}, body, [key], 300, now)).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verifySignature(headers('m1', ts - 301, sign(secret, 'm1', ts - 301, body)), body, [key], 300, now)).toMatchObject({ reason: 'stale' });
    expect(verifySignature(headers('m1', ts + 301, sign(secret, 'm1', ts + 301, body)), body, [key], 300, now)).toMatchObject({ reason: 'stale' });
    expect(verifySignature(headers('m1', ts, sign(secret, 'm1', ts, body)), Buffer.from('{"a":2}'), [key], 300, now)).toMatchObject({ reason: 'bad-signature' });
    expect(verifySignature(headers('m2', ts, sign(secret, 'm1', ts, body)), body, [key], 300, now)).toMatchObject({ reason: 'bad-signature' });
    expect(verifySignature(headers('m1', ts, sign(secret, 'm1', ts, body)), body, [other], 300, now)).toMatchObject({ reason: 'bad-signature' });
  });
});

import { describe, expect, it, vi } from 'vitest';
import type { ClaimedUser } from '../../src/ledger/inbox.ts';
import { fromRows, type ClaimedRow } from '../../src/ledger/inbox-wire.ts';
import { planUser } from '../../src/stream/plan.ts';
import { sign, verifySignature } from '../../src/stream/webhook-signature.ts';
import { ev } from './fixtures.ts';

function claimed(events: ReturnType<typeof ev>[], over: Partial<ClaimedUser> = {}): ClaimedUser {
  return {
    subject: 'u1',
    appliedVersion: 0,
    tombstone: false,
    lastEmail: undefined,
    known: false,
    attempts: 0,
    events: events.map((e, i) => ({ ...e, seq: i + 1, receivedAt: 0 })).sort((a, b) => a.version - b.version || a.seq - b.seq),
    ...over,
  };
}

describe('planUser', () => {
  it('coalesces a burst into one upsert of the newest snapshot', () => {
    const p = planUser(claimed([ev('u1', 1, 'user.created'), ev('u1', 2), ev('u1', 3, 'user.password_changed')]));
    expect(p).toMatchObject({ kind: 'upsert', version: 3, events: [1, 2, 3] });
    if (p.kind === 'upsert') expect(p.user.attributes.rev).toBe(3);
  });
  it('skips events at or below the applied version', () => {
    const p = planUser(claimed([ev('u1', 4), ev('u1', 5), ev('u1', 6)], { appliedVersion: 5, known: true, lastEmail: 'u1.r5@example.com' }));
    expect(p).toMatchObject({ kind: 'upsert', version: 6, skipped: [1, 2], events: [3] });
  });
  it('never merges across a delete; a tombstone stops late updates, not newer changes', () => {
    expect(planUser(claimed([ev('u1', 1), ev('u1', 2, 'user.deleted'), ev('u1', 3, 'user.created')]))).toMatchObject({ kind: 'upsert', events: [1], version: 1 });
    expect(planUser(claimed([ev('u1', 2, 'user.deleted'), ev('u1', 3, 'user.created')]))).toMatchObject({ kind: 'delete', events: [1] });
    expect(planUser(claimed([ev('u1', 3, 'user.created'), ev('u1', 4)], { appliedVersion: 2, tombstone: true }))).toMatchObject({ kind: 'upsert', skipped: [], events: [1, 2], version: 4, known: false });
    expect(planUser(claimed([ev('u1', 1)], { appliedVersion: 2, tombstone: true }))).toMatchObject({ kind: 'noop', skipped: [1] });
  });
  it('re-creates a deleted user from a newer update whose create is still on its way', () => {
    // Deleted at 2, re-created at 3, changed at 4; the change arrives first. Dropping it would
    // leave the target at version 3 for good once the create arrives.
    const p = planUser(claimed([ev('u1', 4, 'user.password_changed')], { appliedVersion: 2, tombstone: true, known: true, lastEmail: 'u1.r1@example.com' }));
    expect(p).toMatchObject({ kind: 'upsert', events: [1], version: 4, known: false, emailChange: undefined });
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
  it('plans users claimed back from the SQLite inbox alike, parsing only the snapshot it sends', () => {
    const cases = [
      claimed([ev('u1', 1, 'user.created'), ev('u1', 2), ev('u1', 3, 'user.password_changed'), ev('u1', 4)]),
      claimed([ev('u1', 1), ev('u1', 2, 'user.deleted'), ev('u1', 3, 'user.created')]),
      claimed([ev('u1', 4), ev('u1', 5), ev('u1', 6, 'user.email_changed')], { appliedVersion: 5, known: true, lastEmail: 'old@example.com' }),
    ];
    for (const eager of cases) {
      // As the inbox thread hands them over: each event's user as the JSON it was stored as.
      const row: ClaimedRow = {
        ...eager,
        events: eager.events.flatMap((e) => [e.seq, e.source, e.id, e.subject, e.type, e.version, e.time, e.receivedAt, e.data === undefined ? null : JSON.stringify(e.data)]),
      };
      const parse = vi.spyOn(JSON, 'parse');
      try {
        const [lazy] = fromRows([row]);
        const plan = planUser(lazy!);
        expect(plan).toEqual(planUser(eager));
        expect(parse).toHaveBeenCalledTimes(plan.kind === 'upsert' ? 1 : 0);
      } finally {
        parse.mockRestore();
      }
    }
  });
});

describe('Standard Webhooks signatures', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const body = Buffer.from('{"a":1}');
  const now = 1_700_000_000_000;
  const headers = (id: string, ts: number, sig: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });
  it('accepts a valid signature, also among several (key rotation)', () => {
    const ts = now / 1000;
    expect(verifySignature(headers('m1', ts, sign(secret, 'm1', ts, body)), body, [secret], 300, now)).toMatchObject({ ok: true, id: 'm1' });
    expect(verifySignature(headers('m1', ts, `v1,AAAA ${sign(secret, 'm1', ts, body)}`), body, ['whsec_b2xk', secret], 300, now).ok).toBe(true);
  });
  it('refuses unsigned, stale, future, tampered and wrong-key requests', () => {
    const ts = now / 1000;
    expect(verifySignature({}, body, [secret], 300, now)).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verifySignature(headers('m1', ts - 301, sign(secret, 'm1', ts - 301, body)), body, [secret], 300, now)).toMatchObject({ reason: 'stale' });
    expect(verifySignature(headers('m1', ts + 301, sign(secret, 'm1', ts + 301, body)), body, [secret], 300, now)).toMatchObject({ reason: 'stale' });
    expect(verifySignature(headers('m1', ts, sign(secret, 'm1', ts, body)), Buffer.from('{"a":2}'), [secret], 300, now)).toMatchObject({ reason: 'bad-signature' });
    expect(verifySignature(headers('m2', ts, sign(secret, 'm1', ts, body)), body, [secret], 300, now)).toMatchObject({ reason: 'bad-signature' });
    expect(verifySignature(headers('m1', ts, sign('other', 'm1', ts, body)), body, [secret], 300, now)).toMatchObject({ reason: 'bad-signature' });
  });
});

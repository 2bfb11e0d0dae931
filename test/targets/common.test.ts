import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/delivery/http-client.ts';
import { TokenCache } from '../../src/delivery/token-cache.ts';
import { sendWithBisection } from '../../src/targets/common/bisect.ts';
import { rejectionCode } from '../../src/targets/common/classify.ts';
import { uuidV5 } from '../../src/targets/common/uuid-v5.ts';

describe('uuidV5', () => {
  it('matches the RFC 4122 / Python uuid5 vector', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
  it('is deterministic and namespace-dependent', () => {
    const a = uuidV5('user:1', '0f0e0d0c-0b0a-4908-8706-050403020100');
    expect(uuidV5('user:1', '0f0e0d0c-0b0a-4908-8706-050403020100')).toBe(a);
    expect(uuidV5('user:1', '1f0e0d0c-0b0a-4908-8706-050403020100')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('TokenCache', () => {
  it('fetches once for concurrent callers, refreshes before expiry and after invalidate', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++n}`, expiresIn: 100 }), {
      now: () => now,
      refreshBeforeMs: 60_000,
    });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a, b]).toEqual(['t1', 't1']);
    now = 89_000;
    expect(await cache.get()).toBe('t1');
    now = 90_001; // within the last tenth of a 100 s lifetime
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t1'); // stale token: no effect
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t2');
    expect(await cache.get()).toBe('t3');
    expect(cache.fetchCount).toBe(3);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), () => 5_000)).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('sendWithBisection', () => {
  it('isolates one poisoned record among 100 and counts the extra calls', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ sourceId: `u${i}` }));
    let calls = 0;
    let extra = 0;
    const outcomes = await sendWithBisection(
      items,
      async (batch) => {
        calls++;
        return batch.some((b) => b.sourceId === 'u37')
          ? { kind: 'refused', reason: 'bad u37', code: 'validation' }
          : {
              kind: 'outcomes',
              outcomes: batch.map((b) => ({ sourceId: b.sourceId, kind: 'ok', action: 'created' })),
            };
      },
      () => extra++,
    );
    expect(outcomes).toHaveLength(100);
    expect(outcomes.filter((o) => o.kind === 'rejected')).toEqual([
      { sourceId: 'u37', kind: 'rejected', reason: 'bad u37', code: 'validation' },
    ]);
    expect(extra).toBe(calls - 1);
    expect(extra).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)));
  });
  it('marks the whole batch retryable with retryAfterMs', async () => {
    const out = await sendWithBisection(
      [{ sourceId: 'a' }, { sourceId: 'b' }],
      async () => ({ kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 1000 }),
      () => {},
    );
    expect(out).toEqual([
      { sourceId: 'a', kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 1000 },
      { sourceId: 'b', kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 1000 },
    ]);
  });
});

describe('rejectionCode', () => {
  it('classifies vendor messages', () => {
    expect(rejectionCode(undefined, 'invalid email passed')).toBe('invalid_email');
    expect(rejectionCode(409, 'identifier already exists')).toBe('duplicate_identifier');
    expect(rejectionCode(413, 'x')).toBe('batch_too_large');
    expect(rejectionCode(422, 'x')).toBe('validation');
  });
});

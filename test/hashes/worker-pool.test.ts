import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { describe as suite, expect, it } from 'vitest';
import { identify } from '../../src/hashes/index.ts';
import { VerifyPool } from '../../src/hashes/worker-pool.ts';

function parse(value: string) {
  const r = identify(value);
  if (!r.ok) throw new Error(r.reason);
  return r.hash;
}

suite('VerifyPool (worker threads running the .ts worker via tsx)', () => {
  it('verifies many hashes concurrently, including lazily loaded ESM-only sha-crypt', async () => {
    const pool = new VerifyPool({ size: 2 });
    try {
      const bcrypt = parse(bcryptHash('pool-pw', 4));
      const sha = parse('$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA');
      const results = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => pool.verify(bcrypt, i % 2 ? 'pool-pw' : 'wrong')),
        pool.verify(sha, 'Hello world!'),
        pool.verify(sha, 'Hello world?'),
      ]);
      expect(results).toEqual([...Array.from({ length: 10 }, (_, i) => i % 2 === 1), true, false]);
    } finally {
      await pool.close();
    }
  });

  it('reports an unsupported algorithm as an error, not a mismatch, and refuses work after close', async () => {
    const pool = new VerifyPool({ size: 1 });
    // Every algorithm the model names verifies now (DES crypt since issue 31); an unknown one stands in.
    const des = { algorithm: 'no-such-algorithm' as never, format: 'x', params: {}, hash: '', encoded: 'CCNf8Sbh3HDfQ' };
    await expect(pool.verify(des, 'x')).rejects.toThrow(/not supported/);
    await pool.close();
    await expect(pool.verify(des, 'x')).rejects.toThrow(/closed/);
  });

  it('bounds its queue', async () => {
    const pool = new VerifyPool({ size: 1, maxQueue: 1 });
    try {
      const h = parse(bcryptHash('x', 4));
      const first = pool.verify(h, 'x');
      const second = pool.verify(h, 'x');
      await expect(pool.verify(h, 'x')).rejects.toThrow(/queue is full/);
      expect(await Promise.all([first, second])).toEqual([true, true]);
    } finally {
      await pool.close();
    }
  });
});

import { spawnSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { exampleConfig } from '../../src/config/example.ts';
import { parseConfig } from '../../src/config/load.ts';
import {
  DEFAULT_HASH_LIMITS,
  HashLimitError,
  exceededLimit,
  identify,
  parseHashLimitFlags,
  resolveHashLimits,
  verify,
  VerifyDeadlineError,
  VerifyPool,
} from '../../src/hashes/index.ts';
import type { PasswordHash } from '../../src/model/index.ts';

const harness = fileURLToPath(new URL('./cli-harness.ts', import.meta.url));
const cli = (args: string[], input = '') => spawnSync(process.execPath, ['--import', 'tsx', harness, ...args], { input, encoding: 'utf8', timeout: 60_000 });

const b64 = (n: number, c = 'A') => c.repeat(n);
/** Each a well-formed hash whose cost is above the default bound: minutes, days or gigabytes to verify. */
const ABSURD: Array<[string, string]> = [
  // A real cost-5 vector with its cost raised: a string bcrypt itself accepts (and runs 2^31 rounds of).
  ['bcrypt cost 31', '$2a$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['argon2id m = 4 GiB', `$argon2id$v=19$m=4194304,t=1,p=1$${b64(22)}$${b64(43)}`],
  ['argon2id t = 1000', `$argon2id$v=19$m=65536,t=1000,p=1$${b64(22)}$${b64(43)}`],
  ['argon2id p = 255', `$argon2id$v=19$m=65536,t=1,p=255$${b64(22)}$${b64(43)}`],
  ['scrypt N = 2^20', `$scrypt$ln=20,r=8,p=1$${b64(22)}$${b64(43)}`],
  ['scrypt r = 64', `$scrypt$ln=14,r=64,p=1$${b64(22)}$${b64(43)}`],
  ['scrypt p = 64', `$scrypt$ln=14,r=8,p=64$${b64(22)}$${b64(43)}`],
  ['pbkdf2 with a 384-byte key (every block repeats each iteration)', `$pbkdf2-sha1$i=1000000,l=384$${b64(22)}$${b64(512)}`],
  ['sha256-crypt 9,999,999 rounds', `$5$rounds=9999999$saltsalt$${b64(43, 'a')}`],
  ['phpass 2^24', `$P$M${b64(8, 'a')}${b64(22, 'b')}`],
  // libxcrypt's j9T (N 4096, r 32: 16 MiB) with N raised to 2^19: 2 GiB.
  ['yescrypt 2 GiB', '$y$jGT$F5Jx5fExrKuPp53xLKQ..1$tnSYvahCwPBHKZUspmcxMfb0.WiB9W.zEaKlOBL35rC'],
  ['Kratos pbkdf2-sha384 (SHA3) with a 384-byte key', `$pbkdf2-sha384$i=1000000,l=384$${b64(22)}$${b64(512)}`],
];

function parse(value: string): PasswordHash {
  const r = identify(value);
  if (!r.ok) throw new Error(`${value}: ${r.reason}`);
  return r.hash;
}

describe('hash cost bounds (src/hashes/limits.ts)', () => {
  it.each(ABSURD)('%s is refused before any work, in under a second and without memory growth', async (_what, value) => {
    const hash = parse(value);
    expect(exceededLimit(hash)).toBeInstanceOf(HashLimitError);
    const rss = process.memoryUsage.rss();
    const t = performance.now();
    await expect(verify(hash, 'password')).rejects.toThrow(HashLimitError);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(process.memoryUsage.rss() - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('real-world costs pass: WordPress, Drupal 7, Django, Keycloak, Kratos and Firebase defaults', () => {
    for (const v of [
      '$P$B12345678abcdefghijklmnopqrstuv',
      '$S$DODRFsy.GX2iSkl2zJ4fsrGRt2S0FOWu0JSA3BqAmSayESbcY3w9',
      'pbkdf2_sha256$1200000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=',
      '$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw',
      '$2b$14$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K',
      '$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1',
      '$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==',
    ]) {
      expect(exceededLimit(parse(v)), v).toBeUndefined();
    }
  });

  it('every bound can be raised or lowered, by flag or config, and unknown names are refused', () => {
    const bcrypt31 = parse(ABSURD[0]![1]);
    expect(exceededLimit(bcrypt31, resolveHashLimits(parseHashLimitFlags(['bcryptCost=31'])))).toBeUndefined();
    const django = parse('pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=');
    expect(exceededLimit(django, resolveHashLimits({ pbkdf2Iterations: 100_000 }))?.message).toMatch(/pbkdf2-sha256 iterations=390000 is above the limit pbkdf2Iterations=100000/);
    expect(() => parseHashLimitFlags(['bcryptCosts=16'])).toThrow(/unknown limit/);
    expect(() => resolveHashLimits({ bcryptCost: 0 })).toThrow(/positive/);
    const doc = parseYaml(exampleConfig('cidaas')) as Record<string, unknown>;
    doc.hashLimits = { bcryptCost: 16, phpassLog2Rounds: 20 };
    const cfg = parseConfig(JSON.stringify(doc), '/tmp/m.yaml', { CIDAAS_CLIENT_ID: 'a', CIDAAS_CLIENT_SECRET: 'b' });
    expect(resolveHashLimits(cfg.hashLimits)).toMatchObject({ ...DEFAULT_HASH_LIMITS, bcryptCost: 16, phpassLog2Rounds: 20 });
    doc.hashLimits = { bcryptCosts: 16 };
    expect(() => parseConfig(JSON.stringify(doc), '/tmp/m.yaml', { CIDAAS_CLIENT_ID: 'a', CIDAAS_CLIENT_SECRET: 'b' })).toThrow(/hashLimits/);
  });

  it('hash verify refuses bcrypt cost 31 at once (exit 2, naming the flag), and a raised bound lets a real one through', () => {
    const t = performance.now();
    const r = cli(['hash', 'verify', ABSURD[0]![1], '--password-stdin'], 'x\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bcrypt cost=31 is above the limit bcryptCost=15 .*--hash-limit bcryptCost=31/);
    // The whole process, start-up included; before the bound this ran for days.
    expect(performance.now() - t).toBeLessThan(30_000);
    const cost5 = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    expect(cli(['hash', 'verify', cost5, '--password-stdin', '--hash-limit', 'bcryptCost=4'], 'U*U\n').status).toBe(2);
    expect(cli(['hash', 'verify', cost5, '--password-stdin', '--hash-limit', 'bcryptCost=5'], 'U*U\n').status).toBe(0);
  });
});

describe('VerifyPool bounds and deadline', () => {
  it('refuses an out-of-bounds hash without giving it to a worker', async () => {
    const pool = new VerifyPool({ size: 1 });
    try {
      const t = performance.now();
      await expect(pool.verify(parse(ABSURD[1]![1]), 'x')).rejects.toThrow(HashLimitError);
      expect(performance.now() - t).toBeLessThan(1000);
    } finally {
      await pool.close();
    }
  });

  it('stops a check at its deadline (the worker is replaced) and keeps serving', async () => {
    const pool = new VerifyPool({ size: 1 });
    try {
      // 10M iterations of PBKDF2-SHA512: within the bounds, and seconds of work.
      const slow = parse(`$pbkdf2-sha512$i=10000000,l=64$${b64(22)}$${b64(86)}`);
      const t = performance.now();
      await expect(pool.verify(slow, 'x', { deadlineMs: 300 })).rejects.toThrow(VerifyDeadlineError);
      expect(performance.now() - t).toBeLessThan(1000);
      const quick = `pbkdf2_sha256$1000$salt$${pbkdf2Sync('pw', 'salt', 1000, 32, 'sha256').toString('base64')}`;
      expect(await pool.verify(parse(quick), 'pw', { deadlineMs: 30_000 })).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

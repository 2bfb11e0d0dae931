/**
 * Password verifies per second per legacy format, on one core (sequential, main thread) and through
 * the worker pool (one worker per core). Parameters are each format's common production defaults,
 * so the figures size lazy-migration verifiers and emulator login checks.
 * `npx tsx bench/hashes.ts [secondsPerCase]` — about 2 × 1.2 s per format by default (< 60 s).
 */
import { createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hashSync as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { identify, verify, type HashHint } from '../src/hashes/index.ts';
import { VerifyPool } from '../src/hashes/worker-pool.ts';
import type { PasswordHash } from '../src/model/index.ts';

const seconds = Number(process.argv[2] ?? 1.2);
const PW = 'correct horse battery staple';

interface Case {
  name: string;
  value: string;
  password: string;
  hint?: HashHint;
}

const salt = randomBytes(16);
const B64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

const cases: Case[] = [
  { name: 'bcrypt cost 10', value: bcryptHash(PW, 10), password: PW },
  { name: 'wordpress-6.8 (bcrypt 10)', value: '$wp$2y$10$qeleDSuDaeZO5fBsEqFReeWdlqaDnBDBzB16hFgsFnhN9qFBIihvm', password: 'BigBike@2026' },
  { name: 'argon2id m=19456 t=2 p=1', value: argon2Hash(PW, { memoryCost: 19456, timeCost: 2, parallelism: 1 }), password: PW },
  { name: 'scrypt N=2^14 r=8 p=1', value: `$scrypt$ln=14,r=8,p=1$${B64(salt)}$${B64(scryptSync(PW, salt, 32, { N: 16384, r: 8, p: 1 }))}`, password: PW },
  {
    name: 'firebase-scrypt mem_cost 14 rounds 8',
    value: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
    password: 'user1password',
    hint: {
      format: 'firebase-scrypt',
      salt: '42xEC+ixf3L2lw==',
      firebase: { signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==', saltSeparator: 'Bw==', rounds: 8, memCost: 14 },
    },
  },
  { name: 'pbkdf2-sha256 390000 (Django 4.1)', value: 'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=', password: 'lètmein' },
  {
    name: 'pbkdf2-sha256 27500 (Keycloak)',
    value: '{"type":"password","secretData":"{\\"value\\":\\"WxXR6aaFW3LyyS7FmLP4gMmhKjt+p7zZrPB1PVzSdtk=\\",\\"salt\\":\\"AAECAwQFBgcICQoLDA0ODw==\\",\\"additionalParameters\\":{}}","credentialData":"{\\"hashIterations\\":27500,\\"algorithm\\":\\"pbkdf2-sha256\\",\\"additionalParameters\\":{}}"}',
    password: 'my password',
  },
  { name: 'aspnet-identity V3 sha256 10000', value: 'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==', password: 'my password' },
  { name: 'sha512-crypt rounds 5000', value: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1', password: 'Hello world!' },
  { name: 'md5-crypt', value: '$1$ec6XvcoW$ghEtNK2U1MC5l.Dwgi3020', password: 'test' },
  { name: 'phpass $P$ 2^13', value: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', password: 'test12345' },
  { name: 'drupal7 $S$ 2^15', value: '$S$DODRFsy.GX2iSkl2zJ4fsrGRt2S0FOWu0JSA3BqAmSayESbcY3w9', password: 'superpassword' },
  { name: 'salted sha256 (hex)', value: createHash('sha256').update(PW).update('NaCl').digest('hex'), password: PW, hint: { format: 'sha256', salt: 'NaCl', saltPosition: 'suffix' } },
  { name: 'ldap {SSHA}', value: '{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr', password: 'testing123' },
  { name: 'hmac-sha256', value: createHmac('sha256', 'pepper').update(PW).digest('hex'), password: PW, hint: { format: 'hmac-sha256', key: 'pepper' } },
];

async function single(hash: PasswordHash, password: string): Promise<number> {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  do {
    if (!(await verify(hash, password))) throw new Error('benchmark hash did not verify');
    n++;
  } while (performance.now() < end || n < 2);
  return n / ((performance.now() - start) / 1000);
}

async function pooled(pool: VerifyPool, hash: PasswordHash, password: string): Promise<number> {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  const lane = async (): Promise<void> => {
    do {
      if (!(await pool.verify(hash, password))) throw new Error('benchmark hash did not verify');
      n++;
    } while (performance.now() < end);
  };
  await Promise.all(Array.from({ length: pool.size * 2 }, lane));
  return n / ((performance.now() - start) / 1000);
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}

const cores = availableParallelism();
const pool = new VerifyPool({ size: cores });
console.log(`verifies per second — Node ${process.version}, ${cores} cores, ${seconds} s per measurement`);
console.log(`${'format'.padEnd(40)} ${'1 core'.padStart(10)} ${`pool ×${cores}`.padStart(10)} ${'per core'.padStart(10)}`);
try {
  // Warm the workers (tsx transform, native modules) so start-up does not count.
  const warm = identify(cases[0]?.value ?? '');
  if (warm.ok) await Promise.all(Array.from({ length: cores }, () => pool.verify(warm.hash, PW)));
  for (const c of cases) {
    const r = identify(c.value, c.hint);
    if (!r.ok) throw new Error(`${c.name}: ${r.reason}`);
    const one = await single(r.hash, c.password);
    const many = await pooled(pool, r.hash, c.password);
    console.log(`${c.name.padEnd(40)} ${fmt(one).padStart(10)} ${fmt(many).padStart(10)} ${fmt(many / cores).padStart(10)}`);
  }
} finally {
  await pool.close();
}

import { createHash, pbkdf2Sync } from 'node:crypto';
import { hashSync as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { identify } from '../../src/hashes/index.ts';
import type { HashHint } from '../../src/hashes/index.ts';
import type { PasswordHash } from '../../src/model/index.ts';

export const SAMPLE_PASSWORD = 'correct horse battery';

export interface HashSample {
  family: string;
  /** The parsed hash, or why src/hashes cannot read it yet. */
  parsed: { ok: true; hash: PasswordHash } | { ok: false; reason: string };
}

/** One legacy hash per family at the lowest cost, generated fresh so no vector has to be trusted. */
export function hashSamples(password = SAMPLE_PASSWORD): HashSample[] {
  const salt = 'NaCl-salt';
  const saltB64 = Buffer.from(salt).toString('base64');
  const hex = (alg: string, ...parts: string[]) => createHash(alg).update(parts.join('')).digest('hex');
  const raw: { family: string; value: string; hint?: HashHint }[] = [
    { family: 'bcrypt', value: bcryptHash(password, 4) },
    { family: 'argon2id', value: argon2Hash(password, { memoryCost: 1024, timeCost: 1, parallelism: 1 }) },
    {
      family: 'pbkdf2-sha256',
      value: `pbkdf2_sha256$1000$${saltB64.replace(/=+$/, '')}$${pbkdf2Sync(password, saltB64.replace(/=+$/, ''), 1000, 32, 'sha256').toString('base64')}`,
    },
    {
      family: 'sha256',
      value: hex('sha256', password, salt),
      hint: { format: 'sha256', salt, saltPosition: 'suffix' } as HashHint,
    },
    {
      family: 'sha1',
      value: hex('sha1', password, salt),
      hint: { format: 'sha1', salt, saltPosition: 'suffix' } as HashHint,
    },
    {
      family: 'sha512',
      value: hex('sha512', password, salt),
      hint: { format: 'sha512', salt, saltPosition: 'suffix' } as HashHint,
    },
    {
      family: 'md5',
      value: hex('md5', password, salt),
      hint: { format: 'md5', salt, saltPosition: 'suffix' } as HashHint,
    },
  ];
  return raw.map((r) => ({ family: r.family, parsed: identify(r.value, r.hint ?? {}) }));
}

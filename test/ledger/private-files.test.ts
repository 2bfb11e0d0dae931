import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { SqliteLedger } from '../../src/ledger/sqlite.ts';
import type { ClaimedUser } from '../../src/ledger/inbox/inbox.ts';
import { User } from '../../src/model/index.ts';
import { v } from '../stream/fixtures.ts';

const mode = (f: string): number => statSync(f).mode & 0o777;
const policy = { maxAttempts: 3, backoffMs: () => 1000 };

/** A distinct bcrypt-shaped hash per user, easy to search for in the raw bytes of a file. */
const hashOf = (i: number): string => `$2b$12$${String(i).padStart(6, '0')}SecretSaltSecretSaltSecretHashSecretHashSecretHas`;

function userWithHash(i: number): User {
  return User.parse({
    sourceId: `u${i}`,
    email: `u${i}@example.com`,
    password: { algorithm: 'bcrypt', format: 'bcrypt', params: { cost: 12 }, hash: 'x', encoded: hashOf(i) },
  });
}

afterEach(() => vi.restoreAllMocks());

describe.skipIf(process.platform === 'win32')('ledger and inbox files hold hashes and TOTP secrets: owner-only', () => {
  it.each([
    ['ledger', (f: string) => new SqliteLedger(f)],
    ['inbox', (f: string) => new SqliteInbox(f)],
  ] as const)('%s: a folder the tool creates is 0700, the file and its WAL 0600', async (_name, open) => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'private-')), 'nested', '.ciam-migrate');
    const file = path.join(dir, 'm.sqlite');
    const db = open(file);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.dirname(dir))).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) expect(mode(f), f).toBe(0o600);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await db.close();
  });

  it.each([
    ['ledger', (f: string) => new SqliteLedger(f)],
    ['inbox', (f: string) => new SqliteInbox(f)],
  ] as const)('%s: an existing file others can read is made 0600 on open, with a warning naming it', async (_name, open) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'private-'));
    const file = path.join(dir, 'old.sqlite');
    // What older versions left behind: created with the default umask.
    const first = open(file);
    await first.close();
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      warnings.push(String(chunk));
      return true;
    });
    const db = open(file);
    expect(mode(file)).toBe(0o600);
    expect(warnings.join('')).toContain(file);
    expect(warnings.join('')).toMatch(/mode 0644/);
    await db.close();
  });

  it('the inbox leaves no copy of a scrubbed payload in its file (secure_delete)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'private-'));
    const file = path.join(dir, 'inbox.sqlite');
    const inbox = new SqliteInbox(file);
    const n = 200;
    await inbox.append(
      Array.from({ length: n }, (_, i) => ({ ok: true as const, event: { id: `e${i}`, source: 't', type: 'user.created' as const, subject: `u${i}`, version: v(1), time: new Date().toISOString(), shape: 'user' as const, data: userWithHash(i) } })),
    );
    const claimed: ClaimedUser[] = await inbox.claim('A', n, 60_000);
    await inbox.settle(
      'A',
      claimed.map((c) => ({ subject: c.subject, kind: 'applied' as const, applied: c.events.map((e) => e.seq), version: v(1), tombstone: false, email: undefined })),
      policy,
    );
    expect(await inbox.scrub(10_000)).toBe(n);
    await inbox.close();
    // Closing checkpoints the WAL into the file; nothing of the hashes may be left anywhere in it.
    const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    const left = Array.from({ length: n }, (_, i) => hashOf(i)).filter((h) => bytes.includes(h));
    expect(left).toEqual([]);
  });
});

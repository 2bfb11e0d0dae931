import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';

const PASSWORD = 'Tr0ub4dor&3-login-password';
const HASH = '$2b$04$W3ThW4lnnhyc2OS1ztdVHufHJyHBhD8oHhp8mnvU.0bw3EyFUnBKq';

describe('emulator --record', () => {
  it('keeps request bodies (hashes included) but no clear-text password or client secret, owner-only', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'rec-')), 'bodies');
    const emu = await startCidaasEmulator({ record: dir });
    try {
      const form = await fetch(`${emu.url}/token-srv/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=ciam-migrate&client_secret=ciam-migrate-secret',
      });
      const token = ((await form.json()) as { access_token: string }).access_token;
      await fetch(`${emu.url}/token-srv/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' }),
      });
      const bulk = await fetch(`${emu.url}/users-srv/user/bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify([{ sub: 'u1', email: 'u1@example.com', userStatus: 'VERIFIED', provider: 'self', password_hash_info: { algorithmTypeId: 'BCRYPT_4', passwordHash: HASH } }]),
      });
      expect(bulk.status).toBe(200);
      const login = await fetch(`${emu.url}/_emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: 'u1@example.com', password: PASSWORD }) });
      expect(login.status).toBe(200);
    } finally {
      await emu.close();
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files.length).toBe(4);
    const all = files.map((f) => {
      expect(statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
      return readFileSync(path.join(dir, f), 'utf8');
    });
    const text = all.join('\n');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('ciam-migrate-secret');
    // What a rehearsal records on purpose: the bodies as the target got them.
    expect(text).toContain(HASH);
    expect(text).toContain('u1@example.com');
  });
});

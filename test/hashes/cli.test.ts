import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe as suite, expect, it } from 'vitest';

const harness = fileURLToPath(new URL('./cli-harness.ts', import.meta.url));
const BCRYPT = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';

function cli(args: string[], input = ''): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', harness, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

suite('ciam-migrate hash / verifier CLI', () => {
  it('hash identify: format without the hash value; exit 2 with the reason when unrecognised', () => {
    const ok = cli(['hash', 'identify', BCRYPT, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, format: 'bcrypt', algorithm: 'bcrypt', params: { cost: 5, mcf: '(redacted)' } });
    expect(ok.out).not.toContain(BCRYPT.slice(7));
    const amb = cli(['hash', 'identify', '5f4dcc3b5aa765d61d8327deb882cf99']);
    expect(amb.code).toBe(2);
    expect(amb.err).toMatch(/^ambiguous: .*set mapping\.password\.format/);
    expect(cli(['hash', 'identify', '-'], `${BCRYPT}\n`).code).toBe(0);
  });

  it('hash verify: exit 0 match, 1 no match, 2 unrecognised or wrong call', () => {
    expect(cli(['hash', 'verify', BCRYPT, '--password-stdin'], 'U*U\n').code).toBe(0);
    expect(cli(['hash', 'verify', BCRYPT, '--password-stdin'], 'U*V\n').code).toBe(1);
    expect(cli(['hash', 'verify', 'garbage', '--password-stdin'], 'x').code).toBe(2);
    expect(cli(['hash', 'verify', BCRYPT], '').code).toBe(2);
    const hmac = cli(['hash', 'verify', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', '--format', 'hmac-sha256', '--key', 'Jefe', '--password-stdin', '--json'], 'what do ya want for nothing?');
    expect(hmac.code).toBe(0);
    expect(JSON.parse(hmac.out)).toMatchObject({ match: true, algorithm: 'hmac-sha256' });
    const fb = cli([
      'hash', 'verify', 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      '--format', 'firebase-scrypt', '--salt', '42xEC+ixf3L2lw==', '--firebase-signer-key',
      'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      '--firebase-rounds', '8', '--firebase-mem-cost', '14', '--password-stdin',
    ], 'user1password\n');
    expect(fb.code).toBe(0);
    const salted = cli(['hash', 'verify', '67A1E09BB1F83F5007DC119C14D663AA', '--format', 'md5', '--salt', 'salt', '--salt-position', 'prefix', '--password-stdin'], 'password');
    expect(salted.code).toBe(0);
  });

  it('hash convert: target payload, exit 1 when the target cannot take it', () => {
    const c = cli(['hash', 'convert', BCRYPT, '--to', 'cidaas', '--json']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.out)).toMatchObject({ password_hash_info: { algorithmTypeId: 'BCRYPT_5' } });
    const ce = cli(['hash', 'convert', '{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr', '--to', 'cloudentity']);
    expect(ce.code).toBe(0);
    expect(JSON.parse(ce.out)).toMatchObject({ hashed_password: { config: { method: 'sha', sha: { function: 'SHA-1' } } } });
    const no = cli(['hash', 'convert', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', '--to', 'cloudentity']);
    expect(no.code).toBe(1);
    expect(no.err).toContain('cloudentity cannot take phpass');
    const custom = cli(['hash', 'convert', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', '--to', 'cidaas', '--cidaas-id', 'argon2id=ARGON2ID', '--json']);
    expect(JSON.parse(custom.out)).toMatchObject({ password_hash_info: { algorithmTypeId: 'ARGON2ID' } });
    expect(cli(['hash', 'convert', BCRYPT]).code).toBe(2);
  });

  it('verifier refuses to start without client credentials', () => {
    const r = cli(['verifier', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/client-id/);
  });
});

/**
 * The event sync uses the same adapters as the bulk run: a `user.password_changed` for a user
 * migrated with a forced reset must lift it (the user logs in with the new password), and a
 * `user.updated` that dropped a field must clear it. And the Cloudentity import's conflict `mode`
 * is what the config says, `update` unless told otherwise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashSync } from '@node-rs/bcrypt';
import { describe, expect, it } from 'vitest';
import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { CloudentityTarget } from '../../src/targets/cloudentity/config.ts';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import { User } from '../../src/model/index.ts';
import { createTarget, type Target } from '../../src/targets/index.ts';
import { bcryptHash, one, send } from './fixtures.ts';

const PASSWORD = 'correct horse battery';
const HASH = bcryptHash(hashSync(PASSWORD, 4));
const NS = '3d5f7b92-1c4e-4a6b-8d0f-2a4c6e8a0b1c';

function user(extra: Record<string, unknown> = {}): User {
  return User.parse({ sourceId: 's1', email: 's1@example.com', phone: '+4917612340011', name: { given: 'Sy' }, ...extra });
}

function cidaas(url: string): Target {
  return createTarget(CidaasTarget.parse({ kind: 'cidaas', baseUrl: url, clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret' }));
}

function cloudentity(url: string, extra: Record<string, unknown> = {}): Target {
  return createTarget(
    CloudentityTarget.parse({
      kind: 'cloudentity',
      baseUrl: url,
      clientId: 'ciam-migrate',
      clientSecret: 'ciam-migrate-secret',
      tenantId: 'default',
      poolId: 'default-pool',
      namespace: NS,
      ...extra,
    }),
  );
}

describe('the sync path lifts a forced reset and clears dropped fields', () => {
  it('cidaas: user.created without a password, then user.password_changed: the user logs in', async () => {
    const emu = await startCidaasEmulator();
    const t = cidaas(emu.url);
    try {
      expect(await one(t, { sourceId: 's1', user: user(), knownToTarget: false })).toMatchObject({ kind: 'ok', action: 'created' });
      expect(await emu.login('s1@example.com', PASSWORD)).toMatchObject({ ok: false, reason: 'must reset' });
      // The sync batches its upserts (`upsert`, known to the target, with no record of what the user lost).
      expect(await send(t, [{ sourceId: 's1', user: user({ password: HASH }), knownToTarget: true, removed: 'unknown' }])).toMatchObject([{ kind: 'ok' }]);
      expect(await emu.login('s1@example.com', PASSWORD)).toEqual({ ok: true, sub: 's1' });
      // user.updated without the phone: the identity no longer has it.
      expect(await send(t, [{ sourceId: 's1', user: user({ password: HASH, phone: undefined }), knownToTarget: true, removed: 'unknown' }])).toMatchObject([{ kind: 'ok' }]);
      const self = emu.users()[0]?.identities.find((i) => i.provider === 'self');
      expect(self).not.toHaveProperty('mobile_number');
      expect(self?.['given_name']).toBe('Sy');
      expect(await emu.login('s1@example.com', PASSWORD)).toEqual({ ok: true, sub: 's1' });
      expect(await send(t, [{ sourceId: 's1', user: user({ password: HASH, name: undefined }), knownToTarget: true, removed: 'unknown' }])).toMatchObject([{ kind: 'ok' }]);
      expect(emu.users()[0]?.identities.find((i) => i.provider === 'self')).not.toHaveProperty('given_name');
    } finally {
      await t.close();
      await emu.close();
    }
  });

  for (const reimportRecords of ['replace', 'merge'] as const) {
    it(`Cloudentity (${reimportRecords} on re-import): user.created without a password, then user.password_changed: the user logs in`, async () => {
      const emu = await startCloudentityEmulator({ reimportRecords });
      const t = cloudentity(emu.url);
      try {
        expect(await one(t, { sourceId: 's1', user: user(), knownToTarget: false })).toMatchObject({ kind: 'ok' });
        expect(await emu.login('s1@example.com', PASSWORD)).toMatchObject({ ok: false, reason: 'must reset' });
        expect(await send(t, [{ sourceId: 's1', user: user({ password: HASH }), knownToTarget: true, removed: 'unknown' }])).toMatchObject([{ kind: 'ok' }]);
        expect(await emu.login('s1@example.com', PASSWORD)).toMatchObject({ ok: true });
      } finally {
        await t.close();
        await emu.close();
      }
    });
  }
});

describe('Cloudentity import conflict mode', () => {
  it('sends mode=update by default, so a re-run updates; `fail` refuses a re-import; `omit` leaves the parameter out', async () => {
    const emu = await startCloudentityEmulator();
    const updating = cloudentity(emu.url);
    const failing = cloudentity(emu.url, { importMode: 'fail' });
    const omitting = cloudentity(emu.url, { importMode: 'omit' });
    try {
      expect(await one(updating, { sourceId: 's1', user: user(), knownToTarget: false })).toMatchObject({ kind: 'ok' });
      expect(await one(updating, { sourceId: 's1', user: user({ name: { given: 'Changed' } }), knownToTarget: true })).toMatchObject({ kind: 'ok' });
      expect(emu.dump().users[0]?.payload).toMatchObject({ given_name: 'Changed' });
      const refused = await one(failing, { sourceId: 's1', user: user({ name: { given: 'Again' } }), knownToTarget: true });
      expect(refused).toMatchObject({ kind: 'rejected' });
      expect(refused.kind === 'rejected' && refused.reason).toMatch(/already exists/);
      expect(emu.dump().users[0]?.payload).toMatchObject({ given_name: 'Changed' });
      expect(await one(omitting, { sourceId: 's1', user: user({ name: { given: 'Omitted' } }), knownToTarget: true })).toMatchObject({ kind: 'ok' });
      expect(emu.dump().users[0]?.payload).toMatchObject({ given_name: 'Omitted' });
    } finally {
      await Promise.all([updating.close(), failing.close(), omitting.close()]);
      await emu.close();
    }
  });

  it('the import request carries ?mode=update unless told otherwise', async () => {
    const urls: string[] = [];
    const server = createServer((req, res) => {
      urls.push(`${req.method} ${req.url}`);
      if (req.url?.endsWith('/oauth2/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 't', token_type: 'bearer', expires_in: 3600 }));
      } else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const plain = cloudentity(url);
    const omitting = cloudentity(url, { importMode: 'omit' });
    try {
      await one(plain, { sourceId: 's1', user: user(), knownToTarget: false });
      await one(omitting, { sourceId: 's1', user: user(), knownToTarget: false });
      expect(urls.filter((u) => u.startsWith('PUT'))).toEqual(['PUT /api/identity/default/configuration?mode=update', 'PUT /api/identity/default/configuration']);
    } finally {
      await Promise.all([plain.close(), omitting.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

import { CidaasTarget } from '../../src/targets/cidaas/config.ts';
import { CloudentityTarget } from '../../src/targets/cloudentity/config.ts';
import { startCidaasEmulator } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator } from '../../src/emulators/cloudentity/index.ts';
import { createTarget } from '../../src/targets/index.ts';
import { targetContract } from './contract.ts';
import { minimalUser, one, planned } from './fixtures.ts';

targetContract('cidaas', {
  async start() {
    const emu = await startCidaasEmulator();
    return {
      url: emu.url,
      reset: () => emu.reset(),
      close: () => emu.close(),
      login: (identifier, password) => emu.login(identifier, password),
      stored: () => emu.users(),
      users: () => emu.users().length,
    };
  },
  target: (url, extra = {}) =>
    createTarget(CidaasTarget.parse({ kind: 'cidaas', baseUrl: url, clientId: 'ciam-migrate', clientSecret: 'ciam-migrate-secret', ...extra })),
  // The emulator refuses disposable-mail domains per user, as the tenant does.
  poisoned: { user: (sourceId) => minimalUser(sourceId, { email: `${sourceId}@mailinator.com` }), code: 'invalid_email' },
});

targetContract('Cloudentity', {
  async start() {
    const emu = await startCloudentityEmulator({ hashSemantics: { saltEncoding: 'base64' } });
    return {
      url: emu.url,
      reset: () => emu.reset(),
      close: () => emu.close(),
      login: (identifier, password) => emu.login(identifier, password),
      stored: () => emu.dump(),
      users: () => emu.dump().users.length,
    };
  },
  target: (url, extra = {}) =>
    createTarget(
      CloudentityTarget.parse({
        kind: 'cloudentity',
        baseUrl: url,
        clientId: 'ciam-migrate',
        clientSecret: 'ciam-migrate-secret',
        tenantId: 'default',
        poolId: 'default-pool',
        namespace: '6f1c0b1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
        ...extra,
      }),
    ),
  // The import refuses the whole request for an identifier another user owns; the adapter bisects.
  poisoned: {
    async prepare(target) {
      await one(target, planned(minimalUser('owner', { email: 'taken@example.com' })));
    },
    user: (sourceId) => minimalUser(sourceId, { email: 'taken@example.com' }),
    code: 'duplicate_identifier',
  },
});

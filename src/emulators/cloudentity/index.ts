import type { Route } from '../shared/router.ts';
import { startServer } from '../shared/server.ts';
import { emptyStats } from '../shared/stats.ts';
import { TokenStore } from '../shared/tokens.ts';
import type { EmulatorHandle } from '../shared/types.ts';
import { authorize, type CloudentityContext } from './context.ts';
import { ceError } from './errors.ts';
import { IdempotencyCache } from './idempotency.ts';
import { handleExport, handleImport } from './import.ts';
import { checkLogin, handleLogin, type LoginResult } from './login.ts';
import { resolveCloudentityOptions, type CloudentityEmulatorInput } from './options.ts';
import { CloudentityStore, type PoolRec } from './store.ts';
import {
  addAddress,
  addIdentifier,
  createUser,
  deleteUser,
  getUser,
  getUserByKey,
  removeAddress,
  removeIdentifier,
  setPasswordState,
  systemRoute,
  updateAddress,
  updateUser,
} from './system-users.ts';
import { handleToken } from './token.ts';
import { getPool, getSchema, listSchemas, listUsers } from './read-routes.ts';

export { CLOUDENTITY_SCOPES, defaultCloudentityClient, resolveCloudentityOptions } from './options.ts';
export type { CloudentityClient, CloudentityEmulatorInput, CloudentityEmulatorOptions, CloudentityPoolOption, CloudentitySchemaOption, HashSemantics } from './options.ts';
export type { LoginResult } from './login.ts';
export type { EmulatorHandle, EmulatorStats, FaultOptions } from '../shared/types.ts';

export interface TenantDump {
  pools: PoolRec[];
  users: Record<string, unknown>[];
  user_credentials: Record<string, unknown>[];
  user_identifiers: Record<string, unknown>[];
  user_verifiable_addresses: Record<string, unknown>[];
}

export interface CloudentityEmulatorHandle extends EmulatorHandle {
  /** Everything stored, hashes included, as a TenantDump. */
  dump(): TenantDump;
  login(identifier: string, password: string, poolId?: string): Promise<LoginResult>;
}

export async function startCloudentityEmulator(input: CloudentityEmulatorInput = {}): Promise<CloudentityEmulatorHandle> {
  const options = resolveCloudentityOptions(input);
  const stats = emptyStats();
  const store = new CloudentityStore();
  const ctx: CloudentityContext = {
    options,
    store,
    tokens: new TokenStore(options.clock),
    stats,
    clients: new Map(options.clients.map((c) => [c.clientId, c])),
  };
  const idem = new IdempotencyCache(options.clock, options.idempotencyWindowSeconds);
  const seedPools = (): void => {
    store.pools.clear();
    for (const p of options.pools) {
      const pool = typeof p === 'string' ? { id: p } : p;
      store.pools.set(pool.id, { ...pool, tenant_id: options.tenant, name: pool.name ?? pool.id, identifier_case_insensitive: pool.identifier_case_insensitive ?? true });
    }
  };
  seedPools();
  const dump = (): TenantDump => ({
    pools: [...store.pools.values()],
    users: [...store.users.values()],
    user_credentials: [...store.credentials.values()],
    user_identifiers: [...store.identifiers.values()],
    user_verifiable_addresses: [...store.addresses.values()],
  });

  const users = '/api/identity/:tid/system/pools/:ipID/users';
  const one = `${users}/:userID`;
  const sys = (method: string, path: string, needsUser: boolean, fn: Parameters<typeof systemRoute>[3]): Route => ({
    method,
    path,
    handler: systemRoute(ctx, idem, needsUser, fn),
  });
  const routes: Route[] = [
    { method: 'POST', path: '/:tid/system/oauth2/token', handler: (req) => handleToken(ctx, req) },
    // The migration how-to's prefix and the current spec's prefix both serve the import and export.
    { method: 'PUT', path: '/api/identity/system/:tid/configuration', handler: (req) => handleImport(ctx, req) },
    { method: 'GET', path: '/api/identity/system/:tid/configuration', handler: (req) => handleExport(ctx, req) },
    { method: 'PUT', path: '/api/identity/:tid/configuration', handler: (req) => handleImport(ctx, req) },
    { method: 'GET', path: '/api/identity/:tid/configuration', handler: (req) => handleExport(ctx, req) },
    {
      method: 'GET',
      path: '/api/identity/:tid/system/pools',
      handler: (req) => {
        const auth = authorize(ctx, req, ['identity', 'manage_configuration', 'read_configuration']);
        if (!auth.ok) return auth.reply;
        return { status: 200, body: { pools: [...store.pools.values()].map((p) => ({ ...p, number_of_users: countUsers(p.id) })) } };
      },
    },
    { method: 'GET', path: '/api/identity/:tid/system/pools/:ipID', handler: (req) => getPool(ctx, req) },
    { method: 'GET', path: users, handler: (req) => listUsers(ctx, req) },
    { method: 'GET', path: '/api/identity/:tid/system/schemas', handler: (req) => listSchemas(ctx, req) },
    { method: 'GET', path: '/api/identity/:tid/system/schemas/:schID', handler: (req) => getSchema(ctx, req) },
    sys('POST', users, false, createUser),
    sys('POST', `${users}/by_key`, false, getUserByKey),
    sys('GET', one, true, getUser),
    sys('PUT', one, true, updateUser),
    sys('DELETE', one, true, deleteUser),
    sys('POST', `${one}/identifiers/add`, true, addIdentifier),
    sys('POST', `${one}/identifiers/remove`, true, removeIdentifier),
    sys('POST', `${one}/addresses/add`, true, addAddress),
    sys('POST', `${one}/addresses/update`, true, updateAddress),
    sys('POST', `${one}/addresses/remove`, true, removeAddress),
    sys('PUT', `${one}/password/state`, true, setPasswordState),
  ];
  function countUsers(poolId: string): number {
    let n = 0;
    for (const u of store.users.values()) if (u.user_pool_id === poolId) n++;
    return n;
  }
  const reset = (): void => {
    store.clear();
    seedPools();
    idem.clear();
    Object.assign(stats, emptyStats(), { inFlight: stats.inFlight });
    running.faults.reset();
  };

  const running = await startServer({
    options,
    stats,
    errorReply: (status, message) => ceError(status, message),
    rateLimitHeaders: (seconds) => ({ 'retry-after': String(seconds) }),
    routes,
    inspection: [
      { method: 'GET', path: '/_emulator/state', handler: () => ({ status: 200, body: dump() }) },
      { method: 'GET', path: '/_emulator/stats', handler: () => ({ status: 200, body: { ...stats } }) },
      {
        method: 'POST',
        path: '/_emulator/reset',
        handler: () => {
          reset();
          return { status: 204 };
        },
      },
      { method: 'POST', path: '/_emulator/login', handler: (req) => handleLogin(ctx, req) },
    ],
  });
  ctx.faults = running.faults;

  return {
    url: running.url,
    port: running.port,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus }, byRoute: { ...stats.byRoute } }),
    faults: running.faults.options,
    reset,
    dump,
    login: (identifier, password, poolId) => checkLogin(ctx, identifier, password, poolId),
    close: () => running.close(),
  };
}

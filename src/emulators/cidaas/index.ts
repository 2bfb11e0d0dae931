import { startServer } from '../shared/server.ts';
import type { Route } from '../shared/router.ts';
import { emptyStats } from '../shared/stats.ts';
import { TokenStore } from '../shared/tokens.ts';
import type { EmulatorHandle } from '../shared/types.ts';
import { handleBulk } from './bulk.ts';
import { CustomVerifierClient } from './custom-verifier.ts';
import type { CidaasContext } from './context.ts';
import { cidaasError } from './errors.ts';
import { checkLogin, handleLogin, type LoginResult } from './login.ts';
import { resolveCidaasOptions, type CidaasEmulatorInput } from './options.ts';
import { entityRules } from './rules.ts';
import { CidaasStore, type CidaasUser } from './store.ts';
import { handleToken } from './token.ts';
import { buildPending } from './upsert.ts';
import { handleGetUser, handlePurge, handlePutUser, handleScheduleDeletion, handleUnlink } from './users.ts';
import { handleFieldSetup, handleScimUsers } from './read-routes.ts';

export { CIDAAS_SCOPES, DEFAULT_DISPOSABLE_DOMAINS, defaultCidaasClient, resolveCidaasOptions } from './options.ts';
export type {
  CidaasAlgorithmConfig,
  CidaasClient,
  CidaasEmulatorInput,
  CidaasEmulatorOptions,
  CustomFieldSpec,
  CustomFieldType,
} from './options.ts';
export type { CidaasUser, StoredPassword } from './store.ts';
export type { LoginResult } from './login.ts';
export type { CustomVerifierOptions } from './custom-verifier.ts';
export type { EmulatorHandle, EmulatorStats, FaultOptions } from '../shared/types.ts';

export interface CidaasEmulatorHandle extends EmulatorHandle {
  /** Users as stored (password_hash_info included), for tests. */
  users(): CidaasUser[];
  login(identifier: string, password: string, provider?: string): Promise<LoginResult>;
}

export async function startCidaasEmulator(input: CidaasEmulatorInput = {}): Promise<CidaasEmulatorHandle> {
  const options = resolveCidaasOptions(input);
  const stats = emptyStats();
  const disposableDomains = new Set(options.disposableDomains.map((d) => d.toLowerCase()));
  const rules = entityRules(options, disposableDomains);
  const ctx: CidaasContext = {
    options,
    store: new CidaasStore((pending) => buildPending(pending, rules)),
    tokens: new TokenStore(options.clock),
    stats,
    clients: new Map(options.clients.map((c) => [c.clientId, c])),
    disposableDomains,
    rules,
    verifier: options.customVerifier ? new CustomVerifierClient(options.customVerifier, options.clock) : undefined,
  };
  const sweep = (): void => {
    if (ctx.store.scheduled.size > 0) stats.usersDeleted += ctx.store.sweep(options.clock());
  };
  const api = (method: string, path: string, fn: (c: CidaasContext, r: Parameters<Route['handler']>[0]) => ReturnType<Route['handler']>): Route => ({
    method,
    path,
    handler: (req) => {
      sweep();
      return fn(ctx, req);
    },
  });
  const reset = (): void => {
    ctx.store.clear();
    Object.assign(stats, emptyStats(), { inFlight: stats.inFlight });
    running.faults.reset();
  };

  const running = await startServer({
    options,
    stats,
    errorReply: (status, message) => cidaasError(status, message, { type: status === 429 ? 'RateLimitException' : 'UsersException' }),
    // cidaas publishes no Retry-After semantics (contract §3.6), so its 429s carry none.
    rateLimitHeaders: () => ({}),
    routes: [
      api('POST', '/token-srv/token', handleToken),
      api('POST', '/users-srv/user/bulk', handleBulk),
      api('GET', '/user-srv/users/:sub', handleGetUser),
      api('PUT', '/user-srv/users/:sub', handlePutUser),
      api('DELETE', '/users-srv/user/purge/:sub', handlePurge),
      api('POST', '/users-srv/user/unregister/scheduler/schedule/:sub', handleScheduleDeletion),
      api('POST', '/users-srv/user/unlink/:identityId', handleUnlink),
      // SCIM as discovery advertises it (`scim_endpoint`) and as newer docs name it.
      api('GET', '/users-srv/scim/v2/Users', handleScimUsers),
      api('GET', '/user-scim-srv/v2/Users', handleScimUsers),
      api('GET', '/registration-setup-srv/fields/flat/field/:key', handleFieldSetup),
    ],
    inspection: [
      {
        method: 'GET',
        path: '/_emulator/state',
        handler: () => {
          sweep();
          return { status: 200, body: { users: ctx.store.all().map(stateView) } };
        },
      },
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
  const timer = setInterval(sweep, 1000);
  timer.unref();

  return {
    url: running.url,
    port: running.port,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus }, byRoute: { ...stats.byRoute } }),
    faults: running.faults.options,
    reset,
    users: () => ctx.store.all(),
    login: (identifier, password, provider) => checkLogin(ctx, identifier, password, provider),
    async close() {
      clearInterval(timer);
      await running.close();
    },
  };
}

function stateView(user: CidaasUser): Record<string, unknown> {
  const view: Record<string, unknown> = {
    sub: user.sub,
    userStatus: user.userStatus,
    ...user.account,
    identities: user.identities,
    customFields: user.customFields,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
  if (user.password?.kind === 'hash') view['password_hash_info'] = user.password.info;
  if (user.password?.kind === 'plain') view['password'] = '(clear text, not shown)';
  if (user.deletionScheduledAt !== undefined) view['deletionScheduledAt'] = new Date(user.deletionScheduledAt).toISOString();
  return view;
}

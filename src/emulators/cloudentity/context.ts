import type { FaultInjector } from '../shared/faults.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import type { IssuedToken, TokenStore } from '../shared/tokens.ts';
import type { EmulatorStats } from '../shared/types.ts';
import { ceError } from './errors.ts';
import type { CloudentityClient, CloudentityEmulatorOptions } from './options.ts';
import type { CloudentityStore } from './store.ts';

export interface CloudentityContext {
  options: CloudentityEmulatorOptions;
  store: CloudentityStore;
  tokens: TokenStore;
  stats: EmulatorStats;
  clients: ReadonlyMap<string, CloudentityClient>;
  faults?: FaultInjector;
}

export type Authorized = { ok: true; token: IssuedToken } | { ok: false; reply: Reply };

/** 404 for an unknown tenant; 401 for a missing, unknown, expired or other-tenant token; 403 without one of `anyOf`. */
export function authorize(ctx: CloudentityContext, req: EmuRequest, anyOf: readonly string[]): Authorized {
  const tid = req.params['tid'];
  if (tid !== ctx.options.tenant) return { ok: false, reply: ceError(404, `tenant ${String(tid)} not found`) };
  const check = ctx.tokens.check(req.headers.authorization);
  if (!check.ok) return { ok: false, reply: ceError(401, check.reason) };
  if (check.token.tenant !== tid) return { ok: false, reply: ceError(401, 'token issued for another tenant') };
  if (!anyOf.some((s) => check.token.scopes.has(s))) {
    return { ok: false, reply: ceError(403, `insufficient scope: ${anyOf.join(' or ')} required`) };
  }
  return { ok: true, token: check.token };
}

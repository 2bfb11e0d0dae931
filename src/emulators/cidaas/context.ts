import type { FaultInjector } from '../shared/faults.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import type { TokenStore } from '../shared/tokens.ts';
import type { EmulatorStats } from '../shared/types.ts';
import type { CustomVerifierClient } from './custom-verifier.ts';
import { cidaasError } from './errors.ts';
import type { CidaasClient, CidaasEmulatorOptions } from './options.ts';
import type { EntityRules } from './rules.ts';
import type { CidaasStore } from './store.ts';

export interface CidaasContext {
  options: CidaasEmulatorOptions;
  store: CidaasStore;
  tokens: TokenStore;
  stats: EmulatorStats;
  clients: ReadonlyMap<string, CidaasClient>;
  disposableDomains: ReadonlySet<string>;
  /** The field setup every entity is checked against; fixed for the emulator's life. */
  rules: EntityRules;
  /** Set once the server runs; per-user failure injection reads it. */
  faults?: FaultInjector;
  /** The customer's verifier for CUSTOM_* algorithms, when one is configured. */
  verifier?: CustomVerifierClient | undefined;
}

export type Authorized = { ok: true; client: CidaasClient } | { ok: false; reply: Reply };

/** 401 for a missing, unknown or expired token; 403 when any required scope is missing. */
export function authorize(ctx: CidaasContext, req: EmuRequest, required: readonly string[]): Authorized {
  const check = ctx.tokens.check(req.headers.authorization);
  if (!check.ok) return { ok: false, reply: cidaasError(401, check.reason, { type: 'AuthenticationException' }) };
  const missing = required.filter((s) => !check.token.scopes.has(s));
  if (missing.length > 0) {
    return { ok: false, reply: cidaasError(403, `insufficient scope: ${missing.join(' ')} required`, { type: 'AuthorizationException' }) };
  }
  const client = ctx.clients.get(check.token.clientId);
  if (client === undefined) return { ok: false, reply: cidaasError(401, 'invalid token', { type: 'AuthenticationException' }) };
  return { ok: true, client };
}

import type { CidaasContext } from './context.ts';

/** One entry of the bulk answer's `process_states`. */
export type ProcessState = Record<string, unknown>;

export function failed(ctx: CidaasContext, identifier: Record<string, string>, message: string): ProcessState {
  ctx.stats.usersFailed++;
  return { sub: 'ANONYMOUS', identifier, [ctx.options.stateField]: 'FAILED', message };
}

export function succeeded(ctx: CidaasContext, sub: string, identifier: Record<string, string>, value: 'CREATED' | 'UPDATED'): ProcessState {
  if (value === 'CREATED') ctx.stats.usersCreated++;
  else ctx.stats.usersUpdated++;
  return { sub, identifier, [ctx.options.stateField]: value };
}

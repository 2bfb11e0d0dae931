import type { CidaasUserStatus } from './store.ts';

/** Documented transitions (user-status guide); anything else is a 400. Staying put is not a transition. */
const ALLOWED: Record<string, readonly CidaasUserStatus[]> = {
  VERIFIED: ['DECLINED', 'DELETED'],
  DECLINED: ['VERIFIED', 'DELETED'],
  DELETED: ['VERIFIED'],
  PENDING: ['VERIFIED'],
};

export function transitionAllowed(from: CidaasUserStatus, to: CidaasUserStatus): boolean {
  return from === to || (ALLOWED[from]?.includes(to) ?? false);
}

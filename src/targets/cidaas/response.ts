import type { Outcome } from '../../model/index.ts';
import { rejectionCode } from '../common/classify.ts';
import type { CidaasProcessState } from './types.ts';

/**
 * `process_states` from a bulk answer. The envelope is not confirmed (contracts/cidaas.md §3.5):
 * accept it at the top level or under `data`, and the state under `state`, `status` or
 * `process_state`. Undefined when the body has no such list at all.
 */
export function parseProcessStates(text: string): CidaasProcessState[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = findList(body);
  if (!list) return undefined;
  // Built field by field: answers of 1,000 states arrive many times a second on the delivery thread.
  return list.map((raw) => {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const out: CidaasProcessState = {};
    if (typeof o.sub === 'string') out.sub = o.sub;
    if (typeof o.identifier === 'object' && o.identifier !== null) out.identifier = o.identifier as Record<string, unknown>;
    const state = firstString(o.state, o.status, o.process_state);
    if (state !== undefined) out.state = state.toUpperCase();
    const message = firstString(o.message, o.error, o.reason);
    if (message !== undefined) out.message = message;
    return out;
  });
}

function firstString(a: unknown, b: unknown, c: unknown): string | undefined {
  return typeof a === 'string' ? a : typeof b === 'string' ? b : typeof c === 'string' ? c : undefined;
}

function findList(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const o = body as Record<string, unknown>;
  if (Array.isArray(o.process_states)) return o.process_states;
  const data = o.data;
  if (Array.isArray(data)) return data;
  if (
    typeof data === 'object' &&
    data !== null &&
    Array.isArray((data as Record<string, unknown>).process_states)
  ) {
    return (data as Record<string, unknown>).process_states as unknown[];
  }
  return undefined;
}

export interface SentEntity {
  sourceId: string;
  sub: string;
  knownToTarget: boolean;
  /** Lower-cased identifiers the entity carried, to match failed states whose sub is "ANONYMOUS". */
  identifiers: readonly string[];
}

/**
 * One outcome per sent user. A state is matched by `sub`, then by identifier (failed states carry
 * sub "ANONYMOUS"), then by position, because the order is probably but not certainly kept.
 */
export function outcomesFromStates(sent: SentEntity[], states: CidaasProcessState[]): Outcome[] {
  const bySub = new Map(sent.map((s, i) => [s.sub, i]));
  const assigned: (CidaasProcessState | undefined)[] = new Array<CidaasProcessState | undefined>(sent.length);
  const unmatched: { state: CidaasProcessState; pos: number }[] = [];
  states.forEach((state, pos) => {
    const i = state.sub !== undefined ? bySub.get(state.sub) : undefined;
    if (i !== undefined && assigned[i] === undefined) assigned[i] = state;
    else unmatched.push({ state, pos });
  });
  const leftovers: { state: CidaasProcessState; pos: number }[] = [];
  for (const u of unmatched) {
    const ids = identifierValues(u.state);
    const i = sent.findIndex(
      (s, k) => assigned[k] === undefined && s.identifiers.some((v) => ids.includes(v)),
    );
    if (i >= 0) assigned[i] = u.state;
    else leftovers.push(u);
  }
  for (const u of leftovers) {
    if (u.pos < sent.length && assigned[u.pos] === undefined) assigned[u.pos] = u.state;
  }
  return sent.map((s, i) => toOutcome(s, assigned[i]));
}

function identifierValues(state: CidaasProcessState): string[] {
  return Object.values(state.identifier ?? {})
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.toLowerCase());
}

function toOutcome(sent: SentEntity, state: CidaasProcessState | undefined): Outcome {
  if (!state) {
    return {
      sourceId: sent.sourceId,
      kind: 'retryable',
      reason: 'cidaas returned no process state for this user',
    };
  }
  switch (state.state) {
    case 'CREATED':
      return { sourceId: sent.sourceId, kind: 'ok', action: 'created' };
    case 'UPDATED':
      return { sourceId: sent.sourceId, kind: 'ok', action: 'updated' };
    case 'FAILED': {
      const reason = state.message ?? 'cidaas reported FAILED without a message';
      return { sourceId: sent.sourceId, kind: 'rejected', reason, code: rejectionCode(undefined, reason) };
    }
    default:
      return {
        sourceId: sent.sourceId,
        kind: 'retryable',
        reason: `cidaas returned an unknown process state ${JSON.stringify(state.state ?? null)}`,
      };
  }
}

/** The human message of a cidaas error body, in either documented shape; the status text otherwise. */
export function cidaasErrorMessage(text: string, status: number): { message: string; vendorCode?: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const err = (body.error ?? (body.ErrorResp as Record<string, unknown> | undefined)) as unknown;
    if (typeof err === 'string') return { message: err, ...vendorCode(body.code) };
    if (typeof err === 'object' && err !== null) {
      const e = err as Record<string, unknown>;
      const msg =
        typeof e.error === 'string' ? e.error : typeof e.message === 'string' ? e.message : undefined;
      if (msg) return { message: msg, ...vendorCode(e.code) };
    }
    if (typeof body.message === 'string') return { message: body.message };
  } catch {
    // not JSON: fall through to the status
  }
  return { message: `HTTP ${status}` };
}

function vendorCode(v: unknown): { vendorCode?: string } {
  return typeof v === 'string' || typeof v === 'number' ? { vendorCode: String(v) } : {};
}

import { isObject } from '../shared/body.ts';
import { customFieldProblem, emailProblem, isE164, parsePassword, usernameFieldSet, type EntityRules } from './rules.ts';
import { USER_STATUSES } from './store.ts';

export type EntityProblem = { kind: 'no-identifier' | 'invalid-email' | 'invalid'; message: string };

/** A bulk entity that passed every check, still exactly as sent. */
export interface CheckedEntity {
  raw: Record<string, unknown>;
  /** The flat `userEntityBasic` form: one identity, its fields mixed into the account. */
  flat: boolean;
  sub: string | undefined;
  /** For the process state, taken from the first identity. */
  identifier: Record<string, string>;
}

export type EntityCheck = { ok: true; entity: CheckedEntity } | { ok: false; problem: EntityProblem; identifier: Record<string, string> };

const IDENTIFIER_FIELDS = ['email', 'mobile_number', 'username'] as const;

/** The identifier fields of an identity as sent (the same values the stored identity gets). */
export function identifierOf(identity: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of IDENTIFIER_FIELDS) {
    const v = identity[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

function hasIdentifier(identity: Record<string, unknown>): boolean {
  for (const k of IDENTIFIER_FIELDS) {
    const v = identity[k];
    if (typeof v === 'string' && v !== '') return true;
  }
  return false;
}

function identityProblem(identity: Record<string, unknown>, raw: Record<string, unknown>, rules: EntityRules): EntityProblem | undefined {
  if (!hasIdentifier(identity) && !usernameFieldSet(raw['customFields'], rules.customFields)) {
    return { kind: 'no-identifier', message: 'user identifier is required' };
  }
  // `""` and `null` unassign a field (a re-import clearing it), so they are not checked as values.
  const email = identity['email'];
  if (email !== undefined && email !== null && email !== '') {
    if (typeof email !== 'string') return { kind: 'invalid-email', message: 'invalid email passed' };
    const problem = emailProblem(email, rules.disposableDomains);
    if (problem !== undefined) return { kind: 'invalid-email', message: problem };
  }
  const mobile = identity['mobile_number'];
  if (mobile !== undefined && mobile !== null && mobile !== '' && (typeof mobile !== 'string' || !isE164(mobile))) {
    return { kind: 'invalid', message: 'invalid mobile number passed' };
  }
  return undefined;
}

/**
 * The multi-identity example carries password_hash_info at account level, the flat form mixes both;
 * without one at account level, the `self` identity's counts.
 */
export function passwordOf(raw: Record<string, unknown>, rules: EntityRules): ReturnType<typeof parsePassword> {
  const password = parsePassword(raw, rules);
  if (password !== undefined || raw['identities'] === undefined) return password;
  const selfIdentity = (raw['identities'] as Record<string, unknown>[]).find((i) => (i['provider'] ?? 'self') === 'self');
  return selfIdentity === undefined ? undefined : parsePassword(selfIdentity, rules);
}

// A function, not a closure per entity: closures cost an allocation (and a name under tsx) each time.
function failure(kind: EntityProblem['kind'], message: string, identifier: Record<string, string>): EntityCheck {
  return { ok: false, problem: { kind, message }, identifier };
}

/**
 * Checks one bulk entity (flat or with identities[]) in the documented order, on the values as
 * sent: nothing is copied, so an entity that is only stored costs no more than its parse.
 */
export function checkEntity(raw: unknown, rules: EntityRules): EntityCheck {
  if (!isObject(raw)) return { ok: false, problem: { kind: 'invalid', message: 'user entity must be an object' }, identifier: {} };
  const list = raw['identities'];
  const flat = list === undefined;
  if (!flat && (!Array.isArray(list) || list.length === 0 || !list.every(isObject))) {
    return { ok: false, problem: { kind: 'invalid', message: 'identities must be a non-empty array' }, identifier: {} };
  }
  // An identity's identifier fields are copied from the entity (flat) or its identities[] element as they are.
  const identities = flat ? undefined : (list as Record<string, unknown>[]);
  const identifier = identifierOf(identities?.[0] ?? raw);

  const sub = raw['sub'];
  if (sub !== undefined && (typeof sub !== 'string' || sub === '' || sub === 'ANONYMOUS')) return failure('invalid', 'invalid sub', identifier);
  const status = raw['userStatus'] ?? 'VERIFIED';
  if (typeof status !== 'string' || !USER_STATUSES.has(status)) return failure('invalid', 'invalid userStatus', identifier);
  const fieldProblem = customFieldProblem(raw['customFields'], rules.customFields);
  if (fieldProblem !== undefined) return failure('invalid', fieldProblem, identifier);

  if (identities === undefined) {
    const problem = identityProblem(raw, raw, rules);
    if (problem !== undefined) return { ok: false, problem, identifier };
  } else {
    for (const identity of identities) {
      const problem = identityProblem(identity, raw, rules);
      if (problem !== undefined) return { ok: false, problem, identifier };
    }
  }
  const password = passwordOf(raw, rules);
  if (typeof password === 'string') return failure('invalid', password, identifier);
  return { ok: true, entity: { raw, flat, sub: sub as string | undefined, identifier } };
}

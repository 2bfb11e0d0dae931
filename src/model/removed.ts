import type { User } from './user.ts';

/**
 * A field a user had and no longer has, as a canonical path: `phone`, `name.given`, `address`,
 * `attributes.<name>`, `identities.<provider>` (one social login), `groups`, `roles`. A target
 * that keeps whatever an update leaves out (cidaas' bulk upsert) must be told to clear these.
 */
export type RemovedField = string;

const TOP_LEVEL = ['email', 'phone', 'username', 'locale', 'zoneinfo', 'birthdate', 'gender', 'picture', 'address'] as const;
const NAME_PARTS = ['given', 'family', 'middle', 'nickname', 'display'] as const;
/** Lists sent whole: only emptying one is a removal (a shorter list replaces the longer one). */
const LISTS = ['groups', 'roles'] as const;

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
}

/** The removable fields a user has, as paths. */
function fieldsOf(user: Partial<User>): Set<RemovedField> {
  const out = new Set<RemovedField>();
  for (const key of TOP_LEVEL) if (present(user[key])) out.add(key);
  for (const part of NAME_PARTS) if (present(user.name?.[part])) out.add(`name.${part}`);
  for (const key of LISTS) if (present(user[key])) out.add(key);
  for (const [name, value] of Object.entries(user.attributes ?? {})) if (present(value)) out.add(`attributes.${name}`);
  for (const identity of user.identities ?? []) out.add(`identities.${identity.provider}`);
  return out;
}

/**
 * What `next` lacks of what `previous` had, plus what was still to be cleared from an earlier
 * change (`pending`) and is still absent. Undefined when nothing is to be cleared.
 */
export function removedFields(previous: Partial<User> | undefined, next: Partial<User>, pending: readonly RemovedField[] = []): RemovedField[] | undefined {
  const now = fieldsOf(next);
  const out = new Set<RemovedField>();
  for (const field of pending) if (!now.has(field)) out.add(field);
  if (previous !== undefined) for (const field of fieldsOf(previous)) if (!now.has(field)) out.add(field);
  return out.size > 0 ? [...out].sort() : undefined;
}

import type { CidaasTargetConfig } from './config.ts';
import type { RemovedField } from '../../model/removed.ts';
import type { CidaasIdentity, CidaasUserEntity } from './types.ts';

/**
 * cidaas' bulk upsert keeps every field a re-import leaves out (contracts/cidaas.md §3: "add or
 * update"), so a field the source dropped has to be sent as unassigned. The PUT user API documents
 * `""`/`null` as "unassign" (§4); that the bulk API reads them the same way is inferred, so the
 * value is configurable (`target.clearFieldsWith`).
 */
export type ClearConfig = Pick<CidaasTargetConfig, 'clearFieldsWith' | 'displayNameField' | 'provider'>;

/** Canonical field → identity-level key of the entity (where the profile is sent). */
const IDENTITY_KEYS: Record<string, keyof CidaasIdentity> = {
  email: 'email',
  phone: 'mobile_number',
  username: 'username',
  'name.given': 'given_name',
  'name.family': 'family_name',
  'name.middle': 'middle_name',
  'name.nickname': 'nickname',
  gender: 'gender',
  birthdate: 'birthdate',
  locale: 'locale',
  zoneinfo: 'zoneinfo',
  picture: 'picture',
  address: 'address',
};

/** Social identities the source dropped: the providers of `identities.<provider>` paths. */
export function removedProviders(removed: readonly RemovedField[] | undefined): string[] {
  return (removed ?? []).filter((f) => f.startsWith('identities.')).map((f) => f.slice('identities.'.length));
}

/**
 * The entity (as JSON) with every dropped field unassigned: identity fields where the entity
 * carries its profile (the local identity, or the flat entity itself), custom fields, and emptied
 * group and role lists. Social identities are not removed here (see the adapter's unlink step).
 */
export function withClearedFields(entityJson: string, removed: readonly RemovedField[], config: ClearConfig): string {
  const entity = JSON.parse(entityJson) as CidaasUserEntity & Record<string, unknown>;
  const blank = config.clearFieldsWith === 'empty' ? '' : null;
  // The profile goes on the local identity, or without one on the first social identity (payload.ts).
  const profile: Record<string, unknown> =
    entity.identities === undefined ? entity : ((entity.identities.find((i) => i.provider === config.provider) ?? entity.identities[0] ?? entity) as Record<string, unknown>);
  let customFields = entity.customFields;
  const customField = (name: string) => {
    customFields ??= {};
    if (!Object.hasOwn(customFields, name)) customFields[name] = blank;
  };
  for (const field of removed) {
    const key = IDENTITY_KEYS[field];
    if (key !== undefined) {
      if (profile[key] === undefined) profile[key] = blank;
    } else if (field.startsWith('attributes.')) {
      customField(field.slice('attributes.'.length));
    } else if (field === 'name.display' && config.displayNameField !== undefined) {
      customField(config.displayNameField);
    } else if (field === 'groups' && entity.groups === undefined) {
      entity.groups = [];
    } else if (field === 'roles' && entity.roles === undefined) {
      entity.roles = [];
    }
  }
  if (customFields !== undefined) entity.customFields = customFields;
  return JSON.stringify(entity);
}

/**
 * A user that arrives through a single-user path (the event sync) comes with no record of what it
 * had before: every standard field it lacks is unassigned instead (custom fields are left alone,
 * since which ones a tenant has is not known here).
 */
export const PROFILE_FIELDS: readonly RemovedField[] = [...Object.keys(IDENTITY_KEYS), 'groups', 'roles'];

import type { Mapping } from '../config/mapping.ts';
import type { MigrationConfig } from '../config/schema.ts';
import type { EventShape } from '../model/event.ts';
import { fastValidate } from '../mapping/fast-validate.ts';
import { User } from '../model/index.ts';
import { createMapper, type Mapper } from '../mapping/index.ts';
import { normalisedPreset } from '../mapping/presets/normalised.ts';
import { isPlainObject, type JsonObject } from './merge-patch.ts';

export type Materialised = { ok: true; user: User } | { ok: false; reason: string };

/** Turns a user's merged state into the canonical user the target receives. */
export type Materialiser = (subject: string, shape: EventShape, data: JsonObject) => Materialised;

export interface MaterialiserOptions {
  /** The migration's mapping, for `record` data (a legacy record). */
  record?: Mapper | undefined;
  /** The mapping over the normalised vendor shape, for `normalised` data (Keycloak, Auth0 feeds). */
  normalised?: Mapper | undefined;
}

/**
 * Mapping happens here, on the merged state, not on each event as it arrives: a partial change maps
 * to a partial user, and fields computed from several source fields (a display name from given and
 * family name) need all of them. The user's id is the event's subject; data that says otherwise is
 * refused, never applied to another user.
 */
export function createMaterialiser(o: MaterialiserOptions): Materialiser {
  return (subject, shape, data) => {
    let r: Materialised;
    if (shape === 'user') {
      const withId = data.sourceId === undefined ? { ...data, sourceId: subject } : data;
      // The bulk mapper's fast path (held equal to zod's result by its property tests); zod still
      // decides, and explains, whatever the fast path does not accept.
      const fast = fastValidate(withId);
      if (fast !== undefined) r = { ok: true, user: fast };
      else {
        const z = User.safeParse(withId);
        r = z.success
          ? { ok: true, user: z.data }
          : { ok: false, reason: `invalid user data: ${z.error.issues[0]?.path.join('.') ?? ''} ${z.error.issues[0]?.message ?? ''}`.trim() };
      }
    } else {
      const mapper = shape === 'record' ? o.record : o.normalised;
      if (!mapper) return { ok: false, reason: `${shape} data but no mapping configured` };
      const m = mapper.map({ position: subject, data: isPlainObject(data) ? data : {} });
      r = m.ok ? m : { ok: false, reason: `mapping: ${m.reason}` };
    }
    if (r.ok && r.user.sourceId !== subject) return { ok: false, reason: 'subject and data.sourceId differ' };
    return r;
  };
}

/** Source kinds whose records are the normalised vendor shape (their mapping overrides the same preset). */
const VENDOR_SOURCES: ReadonlySet<string> = new Set(['auth0', 'keycloak', 'firebase', 'cognito', 'cloudentity']);

/**
 * The mapping of `normalised` data (the Keycloak and Auth0 envelopes): the vendor preset, with the
 * migration's own mapping over it when the bulk source is a vendor export too (its overrides, such as
 * `attributes.plan: raw.app_metadata.plan`, were written for that shape); a mapping written for
 * another shape (a database's columns) would not fit it and is left out.
 */
export async function createNormalisedMapper(migration: MigrationConfig, baseDir: string): Promise<Mapper> {
  const preset = normalisedPreset();
  if (VENDOR_SOURCES.has(migration.source.kind)) return createMapper(migration.mapping, { baseDir, preset });
  return createMapper({ fields: {}, ...preset } as Mapping, { baseDir });
}

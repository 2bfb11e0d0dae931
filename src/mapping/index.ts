import type { FieldSpec, Mapping } from '../config/mapping.ts';
import { User, type MfaFactor } from '../model/index.ts';
import type { RawRecord } from '../model/raw-record.ts';
import { fastValidate } from './fast-validate.ts';
import { compileField } from './compile.ts';
import { MAPPABLE_FIELDS, normaliseSpec } from './fields.ts';
import { loadUserModule, type UserModule } from './module.ts';
import { compilePassword } from './password.ts';
import { compileSetter } from './path.ts';
import { legacyIdProblem } from './legacy-id.ts';
import { issuesToReason } from './reason.ts';
import { compileTotp } from './totp.ts';
import { TransformError } from './transform-error.ts';

/**
 * A mapped user, or why not. `notes` say what the user arrives without or what looks odd (a
 * dropped invalid field, a legacy id with trailing spaces): the plan lists them per user.
 */
export type MapResult = { ok: true; user: User; notes?: string[] } | { ok: false; reason: string };

export interface Mapper {
  map(record: RawRecord): MapResult;
}

export interface MapperOptions {
  /** Directory `mapping.module` is resolved against (the config file's directory). */
  baseDir?: string;
  /** The source kind's default mapping; `mapping` overrides it field by field. */
  preset?: Partial<Mapping>;
}

export { mergeMappings } from './merge.ts';
import { mergeMappings } from './merge.ts';

/**
 * Builds a mapper from the declarative config (plus the source's preset and an optional user module).
 * The mapping is compiled once into one resolver per field (compile.ts), and a user that passes
 * is validated by `fastValidate` rather than zod's generic walk; a user that does not still gets
 * zod's reason. The bulk path maps every user of a migration, so per-record work counts.
 */
export async function createMapper(mapping: Mapping, options: MapperOptions = {}): Promise<Mapper> {
  const merged = options.preset ? mergeMappings(options.preset, mapping) : mapping;
  checkMapping(merged);
  const fields = Object.entries(merged.fields).map(([target, spec]) => ({
    resolve: compileField(normaliseSpec(spec), target),
    set: compileSetter(target),
    where: target,
  }));
  const attributes = Object.entries(merged.attributes ?? {}).map(([name, spec]) => ({
    resolve: compileField(normaliseSpec(spec)),
    name,
    where: `attributes.${name}`,
  }));
  const password = merged.password ? compilePassword(merged.password) : undefined;
  const totp = merged.totp ? compileTotp(merged.totp) : undefined;
  const userModule: UserModule | undefined = merged.module
    ? await loadUserModule(merged.module, options.baseDir)
    : undefined;

  const drop = merged.onInvalidField !== 'reject';

  return {
    map(record: RawRecord): MapResult {
      if (record.error !== undefined) return { ok: false, reason: record.error };
      const data = record.data;
      const user: Record<string, unknown> = {};
      let notes: string[] | undefined = record.notes ? [...record.notes] : undefined;
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i] as (typeof fields)[number];
        let value: unknown;
        try {
          value = field.resolve(data);
        } catch (e) {
          const reason = `${field.where}: ${errorMessage(e)}`;
          if (!drop || STRICT_FIELDS.has(field.where)) return { ok: false, reason };
          (notes ??= []).push(`dropped ${reason}`);
          continue;
        }
        if (value !== undefined) field.set(user, value);
      }
      if (attributes.length > 0) {
        const attrs: Record<string, unknown> = {};
        for (let i = 0; i < attributes.length; i++) {
          const attribute = attributes[i] as (typeof attributes)[number];
          let value: unknown;
          try {
            value = attribute.resolve(data);
          } catch (e) {
            const reason = `${attribute.where}: ${errorMessage(e)}`;
            if (!drop) return { ok: false, reason };
            (notes ??= []).push(`dropped ${reason}`);
            continue;
          }
          if (value !== undefined) attrs[attribute.name] = value;
        }
        user.attributes = attrs;
      }
      if (password) {
        const p = password(data);
        if (!p.ok) return p;
        if (p.password) user.password = p.password;
      }
      if (totp) {
        const t = totp(data);
        if (!t.ok) return t;
        if (t.factor) user.mfa = [...((user.mfa as MfaFactor[] | undefined) ?? []), t.factor];
      }
      let candidate: unknown = user;
      if (userModule) {
        try {
          const out = userModule(user as never, record);
          if (out instanceof Promise)
            return { ok: false, reason: 'mapping module returned a Promise; it must be synchronous' };
          if (out !== null && typeof out === 'object' && 'reject' in out && typeof out.reject === 'string')
            return { ok: false, reason: out.reject };
          candidate = out;
        } catch (e) {
          return { ok: false, reason: `mapping module failed: ${errorMessage(e)}` };
        }
      }
      const fast = fastValidate(candidate);
      let result: MapResult;
      if (fast !== undefined) result = { ok: true, user: fast };
      else {
        const validated = validate(candidate, drop);
        if (!validated.ok) return validated;
        result = validated;
        if (validated.notes) notes = [...(notes ?? []), ...validated.notes];
      }
      const id = legacyIdProblem(result.user.sourceId);
      if (id.reject !== undefined) return { ok: false, reason: id.reject };
      if (id.notes.length > 0) notes = [...(notes ?? []), ...id.notes];
      return notes === undefined ? result : { ok: true, user: result.user, notes };
    },
  };
}

/** Identifiers are never dropped: a user without the id or login they had is a different user. */
const STRICT_FIELDS: ReadonlySet<string> = new Set(['sourceId', 'email', 'username']);

/**
 * zod's check of the whole user. With `drop`, a field that fails it and is not an identifier is
 * removed and the user checked again (a few rounds at most), each removal noted.
 */
function validate(candidate: unknown, drop: boolean): MapResult {
  let current = candidate;
  const notes: string[] = [];
  for (let round = 0; round < 8; round++) {
    const parsed = User.safeParse(current);
    if (parsed.success) return notes.length > 0 ? { ok: true, user: parsed.data, notes } : { ok: true, user: parsed.data };
    if (!drop || current === null || typeof current !== 'object') return { ok: false, reason: issuesToReason(parsed.error.issues) };
    const next: Record<string, unknown> = { ...(current as Record<string, unknown>) };
    let dropped = false;
    for (const issue of parsed.error.issues) {
      const top = issue.path[0];
      if (typeof top !== 'string' || STRICT_FIELDS.has(top) || !Object.hasOwn(next, top) || OWN_CHECKS.has(top)) continue;
      if (top === 'attributes' && typeof issue.path[1] === 'string') {
        const attrs = { ...(next.attributes as Record<string, unknown>) };
        delete attrs[issue.path[1]];
        next.attributes = attrs;
      } else delete next[top];
      notes.push(`dropped ${issuesToReason([issue])}`);
      dropped = true;
    }
    if (!dropped) return { ok: false, reason: issuesToReason(parsed.error.issues) };
    current = next;
  }
  return { ok: false, reason: 'the user fails validation' };
}

/** Fields whose failure is not a field's value: the password's hash, the status, the lists the mapping builds. */
const OWN_CHECKS: ReadonlySet<string> = new Set(['password', 'status']);

function checkMapping(mapping: Mapping): void {
  if (!('sourceId' in mapping.fields)) {
    throw new Error('mapping.fields must map sourceId (the immutable legacy id)');
  }
  for (const target of Object.keys(mapping.fields)) {
    if (target === 'password')
      throw new Error('mapping.fields.password: map the stored hash with mapping.password');
    if (target === 'attributes' || target.startsWith('attributes.'))
      throw new Error(`mapping.fields.${target}: put custom fields under mapping.attributes`);
    if (!MAPPABLE_FIELDS.has(target))
      throw new Error(
        `mapping.fields.${target} is not a User field (known: ${[...MAPPABLE_FIELDS].join(', ')})`,
      );
  }
  for (const [target, spec] of Object.entries(mapping.fields)) checkSpec(`mapping.fields.${target}`, spec);
  for (const [name, spec] of Object.entries(mapping.attributes ?? {}))
    checkSpec(`mapping.attributes.${name}`, spec);
}

function checkSpec(where: string, spec: FieldSpec): void {
  const s = normaliseSpec(spec);
  if (s.from === undefined && s.value === undefined && s.default === undefined)
    throw new Error(`${where} needs from, value or default`);
}

function errorMessage(e: unknown): string {
  // Only our own messages are safe to show; anything else may quote the value.
  if (e instanceof TransformError) return e.message;
  return 'the value cannot be converted';
}

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { parse } from 'yaml';

const SPEC = new URL('../fixtures/openapi/cloudentity-identitysystem.yaml', import.meta.url);

/** Swagger 2.0 schema objects are JSON Schema draft-4 plus `x-*` vendor keys; drop those. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-') || k === 'example' || k === 'discriminator') continue;
    out[k] = k === 'additionalProperties' && isBareObject(v) ? {} : toJsonSchema(v);
  }
  return out;
}

/**
 * go-swagger writes a Go `map[string]interface{}` (payload, metadata) as `additionalProperties:
 * {type: object}`, where a bare `object` means "any value" (the vendor's own example payload is
 * `{"given_name": "Max"}`). Read literally as JSON Schema it would demand that every value be an
 * object, so the bare form is translated to "any value"; everything else is kept as written.
 */
function isBareObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const keys = Object.keys(v).filter((k) => !k.startsWith('x-'));
  return keys.length === 1 && (v as Record<string, unknown>).type === 'object';
}

/** A validator for one definition of the vendor spec, with the spec's own formats made permissive. */
export function cloudentityValidator(definition: string): ValidateFunction {
  const spec = parse(readFileSync(SPEC, 'utf8')) as { definitions: Record<string, unknown> };
  const definitions = toJsonSchema(spec.definitions) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // ajv-formats is CommonJS: under NodeNext its default import may arrive wrapped once more.
  const mod = addFormatsModule as unknown as FormatsPlugin & { default?: FormatsPlugin };
  const addFormats: FormatsPlugin = mod.default ?? mod;
  addFormats(ajv);
  // Vendor-specific id formats (userID, tenantID, poolID, …) have no published pattern.
  const known = new Set([
    'date-time',
    'date',
    'email',
    'uri',
    'uuid',
    'int64',
    'int32',
    'double',
    'float',
    'duration',
  ]);
  for (const f of readFileSync(SPEC, 'utf8').matchAll(/format: ([A-Za-z0-9-]+)/g)) {
    const name = f[1] ?? '';
    if (!known.has(name)) ajv.addFormat(name, true);
  }
  for (const f of ['int64', 'int32', 'double', 'float', 'uint8', 'uint32', 'uint64'])
    if (!ajv.formats[f]) ajv.addFormat(f, true);
  return ajv.compile({ $ref: `#/definitions/${definition}`, definitions });
}

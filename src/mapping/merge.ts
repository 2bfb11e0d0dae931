import type { Mapping } from '../config/mapping.ts';

/** A source's default mapping overridden by the config: field by field, attribute by attribute. */
export function mergeMappings(preset: Partial<Mapping>, override: Partial<Mapping>): Mapping {
  const merged: Mapping = {
    fields: { ...preset.fields, ...override.fields },
    attributes: { ...preset.attributes, ...override.attributes },
    onInvalidField: override.onInvalidField ?? preset.onInvalidField ?? 'drop',
  };
  const password = override.password ?? preset.password;
  if (password) merged.password = password;
  const totp = override.totp ?? preset.totp;
  if (totp) merged.totp = totp;
  const module = override.module ?? preset.module;
  if (module) merged.module = module;
  return merged;
}

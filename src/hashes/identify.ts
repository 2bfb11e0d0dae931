import { describe, unrecognised } from './describe.ts';
import { ambiguity } from './formats/digest.ts';
import { detectFamily, familyForFormat } from './registry.ts';
import { MAX_HASH_LENGTH, type HashHint, type IdentifyResult } from './types.ts';

export type { HashHint, IdentifyResult } from './types.ts';
export { describe } from './describe.ts';

/**
 * Recognise a stored password hash. A self-describing string (MCF, PHC, LDAP, Django, Kratos,
 * Keycloak JSON, ASP.NET blob) is taken for what it says even when the config names another format,
 * because legacy tables often mix old and re-hashed values. Anything else — a bare digest — is only
 * identified when `hint.format` names it; identification never guesses. Never throws.
 */
export function identify(value: string, hint: HashHint = {}): IdentifyResult {
  try {
    return identifyUnsafe(value, hint);
  } catch {
    // Parsers are written not to throw; this is the last guard so one odd row cannot stop a run.
    return { ok: false, reason: `unrecognised: ${typeof value === 'string' ? describe(value) : typeof value}` };
  }
}

function identifyUnsafe(raw: string, hint: HashHint): IdentifyResult {
  if (typeof raw !== 'string') return { ok: false, reason: `unrecognised: not a string (${typeof raw})` };
  if (raw.length > MAX_HASH_LENGTH) return unrecognised(raw, 'too long');
  const value = raw.trim();
  if (value === '') return unrecognised(raw, 'empty');
  const format = hint.format ?? 'auto';
  const detected = detectFamily(value);
  if (detected) {
    const own = familyForFormat(format) === detected ? format : 'auto';
    return detected.parse(value, hint, own);
  }
  if (format === 'auto') {
    const why = ambiguity(value, hint);
    return why ? { ok: false, reason: why } : unrecognised(value);
  }
  const family = familyForFormat(format);
  if (!family) return { ok: false, reason: `unrecognised: unknown format "${format.slice(0, 40)}" in mapping.password.format` };
  return family.parse(value, hint, format);
}

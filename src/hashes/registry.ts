import { argon2Family } from './formats/argon2.ts';
import { bcryptFamily, bcryptSha256Family, wordpressFamily } from './formats/bcrypt.ts';
import { cryptFamily } from './formats/crypt.ts';
import { bareDigestFamily, hmacFamily, prefixedDigestFamily } from './formats/digest.ts';
import { firebaseFamily } from './formats/firebase.ts';
import { keycloakFamily } from './formats/keycloak.ts';
import { ldapFamily } from './formats/ldap.ts';
import { aspnetFamily, atlassianFamily, pbkdf2Family } from './formats/pbkdf2.ts';
import { phpassFamily } from './formats/phpass.ts';
import { scryptFamily } from './formats/scrypt.ts';
import { springFamily } from './formats/spring.ts';
import type { FormatFamily, HashVerifier } from './types.ts';

/**
 * Every family, in detection order. Prefixes are disjoint except where noted, so the order only
 * matters for the cheap-but-loose tests (Keycloak JSON before LDAP braces, ASP.NET base64 last).
 */
export const FAMILIES: readonly FormatFamily[] = [
  bcryptFamily,
  bcryptSha256Family,
  wordpressFamily,
  argon2Family,
  scryptFamily,
  firebaseFamily,
  // Spring's `{id}` before the LDAP and PBKDF2 braces: `{MD5}`, `{sha256}` are told apart by their bodies.
  springFamily,
  pbkdf2Family,
  keycloakFamily,
  atlassianFamily,
  hmacFamily,
  prefixedDigestFamily,
  ldapFamily,
  cryptFamily,
  phpassFamily,
  aspnetFamily,
  bareDigestFamily,
];

export function detectFamily(value: string): FormatFamily | undefined {
  return FAMILIES.find((f) => f.detect(value));
}

/** Format name (lower case) → family; identify asks once per stored hash, so the lookup is a map. */
const BY_FORMAT: ReadonlyMap<string, FormatFamily> = (() => {
  const map = new Map<string, FormatFamily>();
  // The first family naming a format wins, as a search in FAMILIES order would find it.
  for (const family of FAMILIES) for (const name of family.formats) if (!map.has(name)) map.set(name, family);
  return map;
})();

/** Configured format strings seen so far (a config names few; the bound keeps odd callers harmless). */
const RESOLVED = new Map<string, FormatFamily | undefined>();

export function familyForFormat(format: string): FormatFamily | undefined {
  if (RESOLVED.has(format)) return RESOLVED.get(format);
  const name = format.split(':', 1)[0]?.toLowerCase() ?? '';
  const family = BY_FORMAT.get(name);
  if (RESOLVED.size >= 256) RESOLVED.clear();
  RESOLVED.set(format, family);
  return family;
}

/** Every format name `mapping.password.format` accepts (besides `auto`). */
export function knownFormats(): string[] {
  return FAMILIES.flatMap((f) => f.formats);
}

/** Algorithm → the verifier of the family that defines it (each algorithm is defined once). */
const VERIFIERS: ReadonlyMap<string, HashVerifier> = (() => {
  const map = new Map<string, HashVerifier>();
  for (const family of FAMILIES) {
    for (const [algorithm, check] of Object.entries(family.verify ?? {})) {
      if (map.has(algorithm)) throw new Error(`two format families verify ${algorithm}`);
      map.set(algorithm, check);
    }
  }
  return map;
})();

export function verifierFor(algorithm: string): HashVerifier | undefined {
  return VERIFIERS.get(algorithm);
}

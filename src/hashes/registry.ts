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
import type { FormatFamily } from './types.ts';

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

export function familyForFormat(format: string): FormatFamily | undefined {
  const name = format.split(':', 1)[0]?.toLowerCase() ?? '';
  return FAMILIES.find((f) => f.formats.includes(name));
}

/** Every format name `mapping.password.format` accepts (besides `auto`). */
export function knownFormats(): string[] {
  return FAMILIES.flatMap((f) => f.formats);
}

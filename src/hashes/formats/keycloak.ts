import { ok, unrecognised } from '../describe.ts';
import { fromBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { argon2Hash } from './argon2.ts';
import { pbkdf2Hash } from './pbkdf2.ts';

/** Keycloak keeps `secretData`/`credentialData` as JSON strings inside the credential JSON. */
function subObject(v: unknown): Record<string, unknown> | undefined {
  let x = v;
  if (typeof x === 'string') {
    try {
      x = JSON.parse(x);
    } catch {
      return undefined;
    }
  }
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** `additionalParameters` values are MultivaluedHashMaps: lists of strings. */
function firstParam(params: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = params?.[key];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' || typeof first === 'number' ? String(first) : undefined;
}

const KEYCLOAK_PBKDF2: Record<string, string> = { pbkdf2: 'sha1', 'pbkdf2-sha256': 'sha256', 'pbkdf2-sha512': 'sha512' };

function parseKeycloak(value: string): IdentifyResult {
  const outer = subObject(value);
  if (!outer) return unrecognised(value, 'not valid JSON');
  const secret = subObject(outer.secretData);
  const cred = subObject(outer.credentialData);
  if (!secret || !cred) return unrecognised(value, 'Keycloak credential without secretData/credentialData');
  const salt = typeof secret.value === 'string' && typeof secret.salt === 'string' ? fromBase64(secret.salt) : undefined;
  const hash = typeof secret.value === 'string' ? fromBase64(secret.value) : undefined;
  const iterations = Number(cred.hashIterations);
  const algorithm = typeof cred.algorithm === 'string' ? cred.algorithm : '';
  if (!salt || !hash || !Number.isInteger(iterations)) return unrecognised(value, 'Keycloak credential with bad value, salt or hashIterations');
  const digest = KEYCLOAK_PBKDF2[algorithm];
  if (digest) return pbkdf2Hash(value, 'keycloak-credential', digest, iterations, salt, hash);
  if (algorithm === 'argon2') {
    const extra = subObject(cred.additionalParameters);
    const type = firstParam(extra, 'type') ?? 'id';
    const version = firstParam(extra, 'version') === '1.0' ? 16 : 19;
    const m = Number(firstParam(extra, 'memory') ?? 7168);
    const p = Number(firstParam(extra, 'parallelism') ?? 1);
    const hashLength = Number(firstParam(extra, 'hashLength') ?? hash.length);
    if ((type !== 'id' && type !== 'i' && type !== 'd') || !(m >= 8 && m <= 4 * 1024 * 1024) || !(p >= 1 && p <= 255) || hashLength !== hash.length || iterations < 1 || iterations > 1000) {
      return unrecognised(value, 'Keycloak argon2 credential with bad parameters');
    }
    return ok(argon2Hash({ type, version, m, t: iterations, p, salt, hash }, 'keycloak-credential', value));
  }
  return unrecognised(value, 'Keycloak credential algorithm not supported');
}

export const keycloakFamily: FormatFamily = {
  family: 'keycloak',
  formats: ['keycloak', 'keycloak-credential'],
  detect: (v) => v.startsWith('{') && v.includes('"secretData"'),
  parse: (value) => parseKeycloak(value),
};

import type { PasswordHash } from '../model/index.ts';

/**
 * What the config says about a stored hash that is not self-describing (the fields of
 * `mapping.password` that hashes read; spelled out here so hashes/ does not import config/). `salt` is the salt VALUE
 * (the caller has already read the configured salt column).
 */
export interface HashHint {
  /** `auto` (self-describing formats only) or a format name (`mapping.password.format`). */
  format?: string;
  salt?: string;
  saltEncoding?: 'utf8' | 'hex' | 'base64';
  saltPosition?: 'prefix' | 'suffix';
  /** Encoding of a bare digest. */
  encoding?: 'hex' | 'base64';
  /** Whose conventions decide strings two systems write alike (`kratos`: pbkdf2-sha224/384 are SHA3). */
  dialect?: 'kratos';
  iterations?: number;
  /** HMAC key. */
  key?: string;
  keyEncoding?: 'utf8' | 'hex' | 'base64';
  /** Firebase project parameters. */
  firebase?: { signerKey: string; saltSeparator: string; rounds: number; memCost: number };
}

/** A hash in a target's shape, or why the target cannot take it. */
export type EncodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export type IdentifyResult = { ok: true; hash: PasswordHash } | { ok: false; reason: string };

/** One legacy family: recognises its strings and parses them into the canonical form. */
export interface FormatFamily {
  readonly family: string;
  /** `mapping.password.format` names that select this family explicitly. */
  readonly formats: readonly string[];
  /** Self-describing prefix/shape test used by `format: auto`. Must be cheap and bounded. */
  detect(value: string): boolean;
  /** `format` is the explicit format name, or 'auto'. Never throws. */
  parse(value: string, hint: HashHint, format: string): IdentifyResult;
  /**
   * How to check a password against a hash of each algorithm this family defines (keyed by
   * `PasswordHash.algorithm`); families that only re-label another family's algorithms have none.
   */
  readonly verify?: Readonly<Record<string, HashVerifier>>;
}

/** Resolves false on a mismatch; the limits were checked before it is called (limits.ts). */
export type HashVerifier = (hash: PasswordHash, password: string) => boolean | Promise<boolean>;

/** The hash is well-formed but this build cannot check it (e.g. yescrypt on a big-endian machine). Not a mismatch. */
export class UnsupportedHashError extends Error {
  constructor(algorithm: string) {
    super(`verification of ${algorithm} is not supported`);
    this.name = 'UnsupportedHashError';
  }
}

/** Longest stored value we look at: real hashes (even Keycloak JSON) are far below this. */
export const MAX_HASH_LENGTH = 4096;

/**
 * Upper bounds on the cost parameters of a hash, checked before any verification, in the spirit of
 * Ory Kratos' hash_limits.go (which checks imported hashes: bcrypt cost ≤ 15; argon2 m ≤ 1 GiB,
 * t ≤ 10, p ≤ 16; pbkdf2 i ≤ 10,000,000; scrypt N ≤ 2^17, r ≤ 8, p ≤ 10; firescrypt ln ≤ 17).
 * A stored hash names its own cost, so without bounds one row or one request can make a verify run
 * for days (bcrypt cost 31), allocate gigabytes (argon2 m = 4 GiB) or hold a thread for minutes
 * (phpass 2^24): `hash verify`, the verifier service and its worker threads refuse such a hash at
 * once instead.
 *
 * The defaults follow Kratos where it sets a bound, and elsewhere sit well above what real systems
 * write (WordPress phpass 2^13, Drupal 7 2^15, glibc sha-crypt 5,000 rounds). Argon2 memory is
 * tighter than Kratos' 1 GiB: the verifier runs one check per worker at once, so the bound times the
 * worker count is its memory ceiling; Django's 100 MiB and Kratos' own 128 MiB default fit.
 *
 * Adding a format with a cost parameter is one line in LIMIT_RULES (and one in DEFAULT_HASH_LIMITS
 * for a new limit name).
 */
import type { PasswordHash } from '../model/index.ts';

export const DEFAULT_HASH_LIMITS = {
  /** bcrypt (and bcrypt-sha256, WordPress 6.8) log2 cost. Kratos: 15. */
  bcryptCost: 15,
  /** argon2 memory in KiB. Kratos: 1 GiB; here 256 MiB (see above). */
  argon2MemoryKiB: 256 * 1024,
  /** argon2 passes. Kratos: 10. */
  argon2Iterations: 10,
  /** argon2 lanes. Kratos: 16. */
  argon2Parallelism: 16,
  /** scrypt N (CPU/memory cost). Kratos: 2^17. */
  scryptN: 2 ** 17,
  /** scrypt block size r. Kratos: 8 (memory is 128·N·r bytes). */
  scryptR: 8,
  /** scrypt parallelism p (sequential here: p times the work). Kratos: 10; 16 admits RFC 7914's own vector. */
  scryptP: 16,
  /** yescrypt memory (128·N·r bytes) in KiB; libxcrypt's default j9T uses 16 MiB. */
  yescryptMemoryKiB: 256 * 1024,
  /** PBKDF2 iterations. Kratos: 10,000,000. */
  pbkdf2Iterations: 10_000_000,
  /** Derived-key bytes of PBKDF2 and scrypt: each extra block of PBKDF2 repeats every iteration. */
  derivedKeyBytes: 128,
  /** sha256-crypt/sha512-crypt rounds (glibc default 5,000; about 3 s per million in this build). */
  shaCryptRounds: 1_000_000,
  /** phpass/Drupal 7 log2 of the iteration count (WordPress 13, Drupal 7 15; 2^24 took 28 s). */
  phpassLog2Rounds: 18,
  /** Firebase scrypt mem_cost (N = 2^mem_cost). Kratos: 17. */
  firebaseMemCost: 17,
  /** Firebase scrypt rounds (r). Firebase allows 1–8. */
  firebaseRounds: 8,
} as const;

export type HashLimitName = keyof typeof DEFAULT_HASH_LIMITS;
export type HashLimits = Record<HashLimitName, number>;

interface LimitRule {
  /** Canonical algorithms (PasswordHash.algorithm) the rule applies to. */
  algorithms: readonly string[];
  /** The parameter in PasswordHash.params that carries the cost. */
  param: string;
  limit: HashLimitName;
}

const PBKDF2 = ['pbkdf2-sha1', 'pbkdf2-sha224', 'pbkdf2-sha256', 'pbkdf2-sha384', 'pbkdf2-sha512', 'pbkdf2-sha3-224', 'pbkdf2-sha3-384'];

/** Which parameter of which algorithm each limit bounds. */
export const LIMIT_RULES: readonly LimitRule[] = [
  { algorithms: ['bcrypt', 'bcrypt-sha256', 'wordpress-bcrypt'], param: 'cost', limit: 'bcryptCost' },
  { algorithms: ['argon2id', 'argon2i', 'argon2d'], param: 'm', limit: 'argon2MemoryKiB' },
  { algorithms: ['argon2id', 'argon2i', 'argon2d'], param: 't', limit: 'argon2Iterations' },
  { algorithms: ['argon2id', 'argon2i', 'argon2d'], param: 'p', limit: 'argon2Parallelism' },
  { algorithms: ['scrypt'], param: 'N', limit: 'scryptN' },
  { algorithms: ['scrypt'], param: 'r', limit: 'scryptR' },
  { algorithms: ['scrypt', 'yescrypt'], param: 'p', limit: 'scryptP' },
  // yescrypt's default is r = 32 (libxcrypt's j9T: N 4096, 16 MiB), so its bound is its memory.
  { algorithms: ['yescrypt'], param: 'memoryKiB', limit: 'yescryptMemoryKiB' },
  { algorithms: ['scrypt', ...PBKDF2], param: 'keyLength', limit: 'derivedKeyBytes' },
  { algorithms: [...PBKDF2, 'spring-sha256'], param: 'iterations', limit: 'pbkdf2Iterations' },
  { algorithms: ['sha256-crypt', 'sha512-crypt'], param: 'rounds', limit: 'shaCryptRounds' },
  { algorithms: ['phpass', 'drupal7'], param: 'log2Rounds', limit: 'phpassLog2Rounds' },
  { algorithms: ['firebase-scrypt'], param: 'memCost', limit: 'firebaseMemCost' },
  { algorithms: ['firebase-scrypt'], param: 'rounds', limit: 'firebaseRounds' },
];

const RULES_BY_ALGORITHM: ReadonlyMap<string, readonly LimitRule[]> = (() => {
  const map = new Map<string, LimitRule[]>();
  for (const rule of LIMIT_RULES) for (const a of rule.algorithms) map.set(a, [...(map.get(a) ?? []), rule]);
  return map;
})();

export class HashLimitError extends Error {
  constructor(
    readonly limit: HashLimitName,
    readonly value: number,
    readonly max: number,
    algorithm: string,
    param: string,
  ) {
    super(`${algorithm} ${param}=${value} is above the limit ${limit}=${max} (raise it with --hash-limit ${limit}=${value} or hashLimits.${limit} if this hash is genuine)`);
    this.name = 'HashLimitError';
  }
}

/** The defaults with `overrides` applied; unknown names and non-positive values are refused. */
export function resolveHashLimits(overrides: Partial<Record<string, number>> = {}): HashLimits {
  const limits: HashLimits = { ...DEFAULT_HASH_LIMITS };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!isHashLimitName(name)) throw new Error(`unknown hash limit "${name}"; known: ${Object.keys(DEFAULT_HASH_LIMITS).join(', ')}`);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`hash limit ${name} must be a positive number`);
    limits[name] = value;
  }
  return limits;
}

export function isHashLimitName(name: string): name is HashLimitName {
  return Object.hasOwn(DEFAULT_HASH_LIMITS, name);
}

/** `name=value` pairs as a CLI flag gives them (`--hash-limit bcryptCost=16`). */
export function parseHashLimitFlags(values: readonly string[] = []): Partial<Record<HashLimitName, number>> {
  const out: Partial<Record<HashLimitName, number>> = {};
  for (const v of values) {
    const m = /^([A-Za-z0-9]+)=(\d+(?:\.\d+)?)$/.exec(v.trim());
    if (!m?.[1] || !m[2]) throw new Error(`--hash-limit ${v}: NAME=NUMBER expected, e.g. bcryptCost=16`);
    if (!isHashLimitName(m[1])) throw new Error(`--hash-limit ${v}: unknown limit; known: ${Object.keys(DEFAULT_HASH_LIMITS).join(', ')}`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** The first bound this hash exceeds, or undefined when every cost parameter is within its limit. */
export function exceededLimit(hash: PasswordHash, limits: HashLimits = DEFAULT_HASH_LIMITS): HashLimitError | undefined {
  for (const rule of RULES_BY_ALGORITHM.get(hash.algorithm) ?? []) {
    const raw = hash.params[rule.param];
    if (raw === undefined) continue;
    const value = Number(raw);
    const max = limits[rule.limit];
    // A cost that is not a number cannot be bounded, so it is not verified either.
    if (!Number.isFinite(value) || value > max) return new HashLimitError(rule.limit, value, max, hash.algorithm, rule.param);
  }
  return undefined;
}

/** Throws HashLimitError when the hash is above a bound; call before spending anything on it. */
export function assertWithinLimits(hash: PasswordHash, limits: HashLimits = DEFAULT_HASH_LIMITS): void {
  const e = exceededLimit(hash, limits);
  if (e) throw e;
}

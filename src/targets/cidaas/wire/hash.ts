import { encodeText, fromBase64, type TextEncoding } from '../../../hashes/encoding.ts';
import type { HashAcceptance } from '../../../hashes/plan.ts';
import type { EncodeResult } from '../../../hashes/types.ts';
import type { PasswordHash } from '../../../model/index.ts';

/**
 * cidaas' password hashes on the wire: what the adapter sends and the emulator reads back, here so
 * that neither imports the other.
 */

/** cidaas `password_hash_info` (contracts/cidaas.md §3.3). */
export interface CidaasPasswordHashInfo {
  algorithmTypeId: string;
  passwordHash: string;
  hData?: Record<string, string>;
}

/**
 * The ids the cidaas docs name. Anything else (argon2, sha512, md5, other PBKDF2 digests) is
 * tenant configuration and must be added by the operator; nothing is assumed.
 */
export const DEFAULT_CIDAAS_ALGORITHM_IDS: Readonly<Record<string, string>> = {
  bcrypt: 'BCRYPT_{cost}',
  sha1: 'SHA1',
  sha256: 'SHA256',
  'pbkdf2-sha256': 'PBKDF2',
  'hmac-sha256': 'HMAC-SHA-256',
};

/** Choices the cidaas docs leave open (contracts/cidaas.md §7); defaults follow the emulator. */
export interface CidaasEncodeOptions {
  /**
   * Where the tenant's SHA algorithm puts the user salt (its `pepperOrder`). The documented example
   * `["systemsalt","password","usersalt"]` means after the password: `suffix`. A hash salted the
   * other way cannot be expressed per user and is refused.
   */
  saltPosition?: 'prefix' | 'suffix';
  /** Encoding of `hData.salt` (the tenant's algorithm config). Default utf8: the salt's own bytes. */
  saltEncoding?: TextEncoding;
  /** Encoding of `passwordHash` for SHA/HMAC/PBKDF2. Documented as hex. */
  digestEncoding?: 'hex' | 'base64';
}

const BCRYPT_MAX_COST = 20;

function digestText(hash: PasswordHash, encoding: 'hex' | 'base64'): string {
  const raw = fromBase64(hash.hash) ?? Buffer.alloc(0);
  return encoding === 'hex' ? raw.toString('hex') : raw.toString('base64');
}

/**
 * Encode a parsed hash for cidaas's bulk API. `algorithmTypeIds` maps a canonical algorithm to the
 * tenant's algorithmTypeId; `{cost}` is replaced by the bcrypt cost. Ids are tenant configuration,
 * so nothing here hard-codes them.
 */
export function encodeForCidaas(
  hash: PasswordHash,
  algorithmTypeIds: Record<string, string>,
  options: CidaasEncodeOptions = {},
): EncodeResult<CidaasPasswordHashInfo> {
  const template = algorithmTypeIds[hash.algorithm];
  if (template === undefined) {
    return { ok: false, reason: `cidaas tenant has no algorithmTypeId configured for ${hash.algorithm}` };
  }
  const digestEncoding = options.digestEncoding ?? 'hex';
  const saltText = (): string | undefined => {
    const raw = hash.salt === undefined ? undefined : fromBase64(hash.salt);
    return raw ? encodeText(raw, options.saltEncoding ?? 'utf8') : undefined;
  };
  switch (hash.algorithm) {
    case 'bcrypt': {
      const cost = Number(hash.params.cost);
      const mcf = typeof hash.params.mcf === 'string' ? hash.params.mcf : hash.encoded;
      if (hash.params.variant === '2x') {
        return { ok: false, reason: 'bcrypt $2x$ (crypt_blowfish 8-bit bug) cannot be relabelled as $2b$ safely' };
      }
      if (!(cost >= 1 && cost <= BCRYPT_MAX_COST)) return { ok: false, reason: `cidaas BCRYPT_n takes cost 1-${BCRYPT_MAX_COST}, not ${cost}` };
      return {
        ok: true,
        value: { algorithmTypeId: template.replace('{cost}', String(cost)), passwordHash: mcf.replace(/^\$2[ay]?\$/, '$2b$') },
      };
    }
    case 'md5':
    case 'sha1':
    case 'sha224':
    case 'sha256':
    case 'sha384':
    case 'sha512': {
      if (hash.params.pattern !== undefined) return { ok: false, reason: 'cidaas cannot take a Kratos salt pattern per user' };
      const info: CidaasPasswordHashInfo = { algorithmTypeId: template, passwordHash: digestText(hash, digestEncoding) };
      if (hash.salt !== undefined) {
        const want = options.saltPosition ?? 'suffix';
        if ((hash.params.saltPosition ?? 'prefix') !== want) {
          return { ok: false, reason: `salt ${String(hash.params.saltPosition)} the password, the cidaas tenant puts it ${want}` };
        }
        const salt = saltText();
        if (salt === undefined) return { ok: false, reason: 'salt bytes are not representable in the configured hData salt encoding' };
        info.hData = { salt };
      }
      return { ok: true, value: info };
    }
    case 'pbkdf2-sha1':
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512': {
      const salt = saltText();
      if (salt === undefined) return { ok: false, reason: 'salt bytes are not representable in the configured hData salt encoding' };
      return {
        ok: true,
        value: {
          algorithmTypeId: template,
          passwordHash: digestText(hash, digestEncoding),
          // The bulk schema types hData values as strings, iterations included.
          hData: { salt, iterations: String(hash.params.iterations), keylen: String(hash.params.keyLength) },
        },
      };
    }
    case 'hmac-sha1':
    case 'hmac-sha256':
    case 'hmac-sha512': {
      const key = fromBase64(String(hash.params.key ?? ''));
      const keyText = key ? encodeText(key, options.saltEncoding ?? 'utf8') : undefined;
      if (keyText === undefined) return { ok: false, reason: 'HMAC key is not representable in the configured hData salt encoding' };
      return { ok: true, value: { algorithmTypeId: template, passwordHash: digestText(hash, digestEncoding), hData: { salt: keyText } } };
    }
    case 'argon2id':
    case 'argon2i':
    case 'argon2d': {
      // cidaas reads the parameters from the encoded string; send the canonical PHC form.
      const phc = typeof hash.params.phc === 'string' ? hash.params.phc : hash.encoded;
      return { ok: true, value: { algorithmTypeId: template, passwordHash: phc } };
    }
    default:
      return { ok: false, reason: `cidaas has no native algorithm for ${hash.algorithm}` };
  }
}

/** Formats whose stored value is a bare digest: salt and parameters came from the config. */
const RAW_FORMATS: Readonly<Record<string, (h: PasswordHash) => string>> = {
  digest: (h) => h.algorithm,
  hmac: (h) => h.algorithm,
  'pbkdf2-raw': (h) => h.algorithm,
  'scrypt-raw': (h) => `scrypt:N=${String(h.params.N)},r=${String(h.params.r)},p=${String(h.params.p)}`,
  'firebase-scrypt': () => 'firebase-scrypt',
};

/**
 * `password_hash_info` for a CUSTOM_* algorithm backed by `ciam-migrate verifier`. Self-describing
 * strings go as stored. A bare digest goes as base64 with, in `hData`, what identify() needs to read
 * it back (format, salt, order, iterations). Secrets (HMAC keys, Firebase signer keys) stay in the
 * verifier's own config and never reach cidaas.
 */
export function cidaasVerifierInfo(hash: PasswordHash, algorithmTypeId: string): CidaasPasswordHashInfo {
  // A bare 13-character DES crypt string says nothing about itself; `{CRYPT}` makes it say so.
  if (hash.algorithm === 'des-crypt' && typeof hash.params.mcf === 'string') {
    return { algorithmTypeId, passwordHash: `{CRYPT}${hash.params.mcf}`, hData: { algorithm: hash.algorithm, format: hash.format } };
  }
  const raw = RAW_FORMATS[hash.format];
  if (!raw) return { algorithmTypeId, passwordHash: hash.encoded, hData: { algorithm: hash.algorithm, format: hash.format } };
  const hData: Record<string, string> = { algorithm: hash.algorithm, format: raw(hash), encoding: 'base64' };
  if (hash.salt !== undefined) {
    hData.salt = hash.salt;
    hData.saltEncoding = 'base64';
    if (typeof hash.params.saltPosition === 'string') hData.saltPosition = hash.params.saltPosition;
  }
  if (hash.params.iterations !== undefined) hData.iterations = String(hash.params.iterations);
  return { algorithmTypeId, passwordHash: hash.hash, hData };
}

/**
 * What a cidaas tenant takes: the algorithms it has an algorithmTypeId for, natively; any other hash
 * through `ciam-migrate verifier`, when a CUSTOM_* id is wired to it.
 */
export function cidaasHashAcceptance(
  algorithmTypeIds: Record<string, string>,
  options: CidaasEncodeOptions | undefined,
  verifierAlgorithmTypeId: string | undefined,
): HashAcceptance<CidaasPasswordHashInfo, CidaasPasswordHashInfo> {
  return {
    native: (hash) => encodeForCidaas(hash, algorithmTypeIds, options),
    verifier: verifierAlgorithmTypeId ? (hash) => cidaasVerifierInfo(hash, verifierAlgorithmTypeId) : 'no verifierAlgorithmTypeId configured',
  };
}

import type { CidaasPasswordHashInfo } from '../../targets/cidaas/wire/hash.ts';
import {
  argon2Verify,
  bcryptVerify,
  constantTimeEqual,
  decode,
  digest,
  hmac,
  pbkdf2Derive,
  type DigestName,
} from '../../hashes/primitives.ts';
import type { CustomVerifierClient } from './custom-verifier.ts';
import type { CidaasAlgorithmConfig } from './options.ts';

/** `verifier-error`: a CUSTOM_* check could not be made (verifier down, refused the emulator's credentials). */
export type HashVerdict = 'match' | 'mismatch' | 'unsupported' | 'verifier-error';

const DIGEST_IN_ID = /(SHA)[-_]?(1|224|256|384|512)|(MD5)/i;

function digestFromId(id: string, fallback: DigestName): DigestName {
  const m = DIGEST_IN_ID.exec(id);
  if (m === null) return fallback;
  return m[3] !== undefined ? 'md5' : (`sha${m[2] as string}` as DigestName);
}

function expected(info: CidaasPasswordHashInfo, config: CidaasAlgorithmConfig): Buffer {
  return decode(info.passwordHash.trim(), config.hashEncoding ?? 'hex');
}

/** Verifies a plaintext against `password_hash_info` as cidaas would, with the tenant's algorithm config. */
export async function verifyCidaasHash(
  info: CidaasPasswordHashInfo,
  password: string,
  config: CidaasAlgorithmConfig,
  custom: CustomVerifierClient | undefined,
  onVerifierError?: (detail: string) => void,
): Promise<HashVerdict> {
  const id = info.algorithmTypeId.toUpperCase();
  const salt = info.hData?.['salt'];
  const verdict = (ok: boolean): HashVerdict => (ok ? 'match' : 'mismatch');

  if (id.startsWith('BCRYPT_')) return verdict(await bcryptVerify(password, info.passwordHash));
  if (id.startsWith('ARGON')) return verdict(await argon2Verify(password, info.passwordHash));
  if (id.startsWith('CUSTOM_')) {
    if (custom === undefined) return 'unsupported';
    const v = await custom.compare(info, password);
    if (v.kind === 'error') {
      onVerifierError?.(v.detail);
      return 'verifier-error';
    }
    return v.kind;
  }
  if (id.startsWith('PBKDF2')) {
    const iterations = Number(info.hData?.['iterations']);
    const want = decode(info.passwordHash.trim(), config.hashEncoding ?? 'hex');
    const keylenRaw = info.hData?.['keylen'] ?? info.hData?.['keyLength'];
    const keylen = keylenRaw !== undefined ? Number(keylenRaw) : want.length;
    if (salt === undefined || !Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(keylen) || keylen < 1) {
      return 'mismatch';
    }
    const algo = info.hData?.['digest'] !== undefined ? digestFromId(info.hData['digest'], 'sha256') : digestFromId(id, config.digest ?? 'sha256');
    const got = await pbkdf2Derive(algo, password, decode(salt, config.saltEncoding ?? 'utf8'), iterations, keylen);
    return verdict(constantTimeEqual(got, want));
  }
  if (id.startsWith('HMAC')) {
    const key = decode(salt ?? config.systemSalt ?? '', config.saltEncoding ?? 'utf8');
    return verdict(constantTimeEqual(hmac(digestFromId(id, 'sha256'), key, password), expected(info, config)));
  }
  if (/^(SHA-?(1|224|256|384|512)|MD5)$/.test(id) || config.pepperOrder !== undefined) {
    const parts: string[] = [];
    for (const part of config.pepperOrder ?? ['systemsalt', 'password', 'usersalt']) {
      const value = part === 'password' ? password : part === 'usersalt' ? salt : config.systemSalt;
      if (value !== undefined && value !== '') parts.push(value);
    }
    const input = parts.join(config.pepperDelimiter ?? '');
    return verdict(constantTimeEqual(digest(digestFromId(id, 'sha256'), input), expected(info, config)));
  }
  return 'unsupported';
}

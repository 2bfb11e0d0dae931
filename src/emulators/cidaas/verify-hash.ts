import type { CidaasPasswordHashInfo } from '../../hashes/encode-cidaas.ts';
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
import type { CidaasAlgorithmConfig } from './options.ts';

export type HashVerdict = 'match' | 'mismatch' | 'unsupported';

export interface CustomVerifier {
  url: string | undefined;
  token: string | undefined;
}

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
  custom: CustomVerifier,
): Promise<HashVerdict> {
  const id = info.algorithmTypeId.toUpperCase();
  const salt = info.hData?.['salt'];
  const verdict = (ok: boolean): HashVerdict => (ok ? 'match' : 'mismatch');

  if (id.startsWith('BCRYPT_')) return verdict(await bcryptVerify(password, info.passwordHash));
  if (id.startsWith('ARGON')) return verdict(await argon2Verify(password, info.passwordHash));
  if (id.startsWith('CUSTOM_')) return verifyRemotely(info, password, custom);
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

/** CUSTOM_* algorithms: cidaas asks the customer's service `POST <url>?action=compare`. */
async function verifyRemotely(info: CidaasPasswordHashInfo, password: string, custom: CustomVerifier): Promise<HashVerdict> {
  if (custom.url === undefined) return 'unsupported';
  const url = new URL(custom.url);
  url.searchParams.set('action', 'compare');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (custom.token !== undefined) headers['authorization'] = `Bearer ${custom.token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      passwordVerification: { passwordHash: info.passwordHash, hData: info.hData ?? {} },
      password,
      algorithm: info.algorithmTypeId,
    }),
  });
  if (!res.ok) return 'mismatch';
  const body = (await res.json().catch(() => undefined)) as { data?: { verified?: unknown } } | undefined;
  return body?.data?.verified === true ? 'match' : 'mismatch';
}

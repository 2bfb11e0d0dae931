import { argon2Verify, bcryptVerify, constantTimeEqual, decode, digest, pbkdf2Derive, type DigestName } from '../../hashes/primitives.ts';
import { isObject } from '../shared/body.ts';
import type { HashSemantics } from './options.ts';

export type HashVerdict = 'match' | 'mismatch' | 'unsupported';

function digestName(fn: unknown, fallback: DigestName): DigestName {
  if (typeof fn !== 'string') return fallback;
  const m = /^sha-?(1|224|256|384|512)$/i.exec(fn);
  return m === null ? fallback : (`sha${m[1] as string}` as DigestName);
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * Splits salt and digest. A salt in the config wins; otherwise `salt_length` bytes of the decoded
 * value are the salt, in front of the digest or (salt_after_digest_in_hash) behind it.
 */
function saltAndDigest(params: Record<string, unknown>, value: Buffer, semantics: HashSemantics): { salt: Buffer; hash: Buffer } {
  const configured = params['salt'];
  if (typeof configured === 'string' && configured !== '') return { salt: decode(configured, semantics.saltEncoding), hash: value };
  const len = num(params['salt_length'], 0);
  if (len === 0 || len >= value.length) return { salt: Buffer.alloc(0), hash: value };
  if (params['salt_after_digest_in_hash'] === true) return { salt: value.subarray(value.length - len), hash: value.subarray(0, value.length - len) };
  return { salt: value.subarray(0, len), hash: value.subarray(len) };
}

/** Checks a plaintext against `payload.hashed_password` ({config: HashConfig, value}). */
export async function verifyCloudentityHash(hashed: unknown, password: string, semantics: HashSemantics): Promise<HashVerdict> {
  if (!isObject(hashed) || !isObject(hashed['config']) || typeof hashed['value'] !== 'string') return 'unsupported';
  const config = hashed['config'];
  const value = hashed['value'];
  const method = config['method'];
  const params = isObject(config[String(method)]) ? (config[String(method)] as Record<string, unknown>) : {};
  const verdict = (ok: boolean): HashVerdict => (ok ? 'match' : 'mismatch');
  switch (method) {
    case 'bcrypt':
      return verdict(await bcryptVerify(password, value));
    case 'argon2': {
      if (value.startsWith('$argon2')) return verdict(await argon2Verify(password, value));
      // A raw digest: rebuild the PHC string from the config (argon2id assumed, the spec has no variant).
      const { salt, hash } = saltAndDigest(params, decode(value, semantics.valueEncoding), semantics);
      const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');
      const phc = `$argon2id$v=19$m=${num(params['memory_in_kb'], 65536)},t=${num(params['iterations'], 3)},p=${num(params['parallelism'], 4)}$${b64(salt)}$${b64(hash)}`;
      return verdict(await argon2Verify(password, phc));
    }
    case 'pbkdf2': {
      const { salt, hash } = saltAndDigest(params, decode(value, semantics.valueEncoding), semantics);
      const keyLength = num(params['key_length'], hash.length);
      const derived = await pbkdf2Derive(digestName(params['function'], 'sha256'), password, salt, num(params['number_of_iterations'], 1), keyLength);
      return verdict(constantTimeEqual(derived, hash));
    }
    case 'sha':
    case 'md5': {
      const { salt, hash } = saltAndDigest(params, decode(value, semantics.valueEncoding), semantics);
      const algo: DigestName = method === 'md5' ? 'md5' : digestName(params['function'], 'sha256');
      const parts = semantics.saltOrder === 'password-salt' ? [Buffer.from(password), salt] : [salt, Buffer.from(password)];
      return verdict(constantTimeEqual(digest(algo, ...parts), hash));
    }
    default:
      return 'unsupported';
  }
}

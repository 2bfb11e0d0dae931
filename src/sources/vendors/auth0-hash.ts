import { fromBase64, fromHex } from '../../hashes/encoding.ts';
import { arr, obj, str, type Obj } from './util.ts';

/** What a bulk-import user's password turns into: a string identify() reads, with a per-row format. */
export type Auth0Password = { hash: string; format?: string; salt?: string } | { error: string } | undefined;

const DIGESTS = new Set(['md4', 'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

/** Bytes of a `{value, encoding}` pair (Auth0: hex, base64, utf8). */
function bytesOf(v: Obj | undefined, fallback: 'hex' | 'base64' | 'utf8'): Buffer | undefined {
  const value = str(v?.value);
  if (value === undefined) return undefined;
  const encoding = str(v?.encoding) ?? fallback;
  if (encoding === 'hex') return fromHex(value);
  if (encoding === 'base64') return fromBase64(value);
  if (encoding === 'utf8') return Buffer.from(value, 'utf8');
  return undefined;
}

/**
 * `password_hash` (bcrypt) or `custom_password_hash` of Auth0's bulk-import schema, for every
 * algorithm it documents (argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2,
 * scrypt). Self-describing values (argon2, bcrypt, ldap, pbkdf2) pass as they are. Salted digests
 * become hex with a per-row format (`md5:suffix`) the source's preset maps; HMAC and scrypt become
 * the Kratos string forms that carry their key and parameters. Anything else is an error the user
 * is rejected with, never a silent reset.
 */
export function auth0Password(u: Obj): Auth0Password {
  const plain = str(u.password_hash);
  const custom = obj(u.custom_password_hash);
  if (!custom) return plain === undefined ? undefined : { hash: plain };
  const algorithm = (str(custom.algorithm) ?? '').toLowerCase();
  const hash = obj(custom.hash);
  const value = str(hash?.value);
  if (value === undefined) return { error: 'custom_password_hash without hash.value' };
  const login = str(obj(custom.password)?.encoding);
  if (login !== undefined && login !== 'utf8') {
    return { error: `custom_password_hash.password.encoding ${login.slice(0, 20)} (passwords hashed from non-UTF-8 bytes) is not supported` };
  }
  const salt = obj(custom.salt);
  switch (algorithm) {
    case 'argon2':
    case 'pbkdf2':
    case 'ldap':
      return { hash: value };
    case 'bcrypt':
      if (salt) return { error: 'custom_password_hash bcrypt with an extra salt is not supported' };
      return { hash: value };
    case 'md4':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const digest = bytesOf(hash, 'hex');
      if (!digest) return { error: `custom_password_hash ${algorithm}: hash.value is not valid ${str(hash?.encoding) ?? 'hex'}` };
      if (!salt) return { hash: digest.toString('hex'), format: algorithm };
      const saltBytes = bytesOf(salt, 'utf8');
      if (!saltBytes) return { error: `custom_password_hash ${algorithm}: salt.value is not valid ${str(salt.encoding) ?? 'utf8'}` };
      const position = str(salt.position) === 'suffix' ? 'suffix' : 'prefix';
      return { hash: digest.toString('hex'), format: `${algorithm}:${position}`, salt: saltBytes.toString('hex') };
    }
    case 'hmac': {
      const mac = bytesOf(hash, 'hex');
      const key = bytesOf(obj(hash?.key), 'utf8');
      const digest = (str(hash?.digest) ?? 'sha256').toLowerCase().replace('-', '');
      if (!mac || !key) return { error: 'custom_password_hash hmac: hash.value or hash.key does not decode' };
      // Kratos's self-describing form: base64 of the hex MAC, base64 of the key.
      return { hash: `$hmac-${digest}$${Buffer.from(mac.toString('hex')).toString('base64')}$${key.toString('base64')}` };
    }
    case 'scrypt': {
      const dk = bytesOf(hash, 'hex');
      const saltBytes = bytesOf(salt, 'utf8');
      if (!dk || !saltBytes) return { error: 'custom_password_hash scrypt: hash.value or salt.value does not decode' };
      const keylen = Number(custom.keylen ?? dk.length);
      if (keylen !== dk.length) return { error: 'custom_password_hash scrypt: keylen does not match the hash' };
      const N = Number(custom.cost ?? 16384);
      const r = Number(custom.blockSize ?? 8);
      const p = Number(custom.parallelization ?? 1);
      // Kratos's form, where ln= is N itself: the row's format says so.
      return { hash: `$scrypt$ln=${N},r=${r},p=${p}$${saltBytes.toString('base64')}$${dk.toString('base64')}`, format: 'kratos-scrypt' };
    }
    default:
      return { error: `custom_password_hash algorithm "${algorithm.slice(0, 20)}" is not one Auth0 documents` };
  }
}

/** The per-row digest formats (`md5`, `sha256:suffix`, …) vendor sources emit, for their preset `mapping.password.formats`. */
export function digestRowFormats(): Record<string, { format: string; encoding: 'hex'; saltEncoding: 'hex'; saltPosition?: 'prefix' | 'suffix' }> {
  const out: Record<string, { format: string; encoding: 'hex'; saltEncoding: 'hex'; saltPosition?: 'prefix' | 'suffix' }> = {};
  for (const d of DIGESTS) {
    out[d] = { format: d, encoding: 'hex', saltEncoding: 'hex' };
    out[`${d}:prefix`] = { format: d, encoding: 'hex', saltEncoding: 'hex', saltPosition: 'prefix' };
    out[`${d}:suffix`] = { format: d, encoding: 'hex', saltEncoding: 'hex', saltPosition: 'suffix' };
  }
  return out;
}

/** The join key and hash of one line of the password-hash export, whatever its field names. */
export function hashExportEntry(r: Obj): { key: string; hash: string } | undefined {
  const id = obj(r._id);
  const key = str(id?.$oid) ?? str(r._id) ?? str(r.user_id) ?? str(r.id);
  const hash = str(r.passwordHash) ?? str(r.password_hash) ?? str(r.hash) ?? str(r.password);
  if (key === undefined || hash === undefined) return undefined;
  // `auth0|<oid>` and the bare oid join the same user.
  return { key: key.includes('|') ? key.slice(key.indexOf('|') + 1) : key, hash };
}

/** Database users: `auth0|…` ids or an `auth0` identity. Only they can have a hash. */
export function isDatabaseUser(u: Obj): boolean {
  const id = str(u.user_id) ?? '';
  return id.startsWith('auth0|') || arr(u.identities).some((i) => str(obj(i)?.provider) === 'auth0');
}

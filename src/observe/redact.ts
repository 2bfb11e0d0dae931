/**
 * The one place that makes a text safe to store or show: a target's error reason, a fatal error's
 * message, a stack trace. Targets echo requests back in their errors, and a request carries password
 * hashes, TOTP secrets, bearer tokens and (at the token endpoint) the client secret; whatever such an
 * answer says goes through here before it is stored, printed or logged.
 *
 * What is removed, whatever the surrounding text:
 * - every value registered with `registerSecret` (client secrets, webhook keys, HMAC peppers, the
 *   access tokens this process fetched), raw and in its URL/form/JSON/base64 spellings;
 * - `Authorization`-style values (`Bearer …`, `Basic …`), JWTs, and the value after a sensitive key
 *   (`client_secret=…`, `"password": …`, `access_token`, `hashed_password`, …);
 * - hash-shaped strings: anything a known hash format detects (the format registry of src/hashes, so
 *   a format added there is covered here), modular-crypt/PHC/Django/LDAP spellings, hex digests,
 *   base64 blobs, base32 (TOTP) secrets.
 * Identifiers (e-mail addresses, phone numbers, UUIDs, long numbers) are replaced by a placeholder
 * too unless `keepIdentifiers` is set: reports are PII-free by default, and "identifier
 * +14155558614 already exists" and "identifier +14155550000 already exists" are one reason, not two.
 */
import { detectFamily } from '../hashes/registry.ts';

export interface RedactOptions {
  /** Values to remove besides the registered ones (a target's own client secret, say). */
  secrets?: readonly string[];
  /** Keep e-mail addresses, phone numbers and ids (report --include-emails); secrets go regardless. */
  keepIdentifiers?: boolean;
  /** Longest result; longer text is cut (after redaction, so no half of a secret survives). Default 500. */
  maxLength?: number;
}

/** Secrets shorter than this are not matched as substrings: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** Bounded, so a process that fetches a token every few minutes for weeks keeps a fixed-size list. */
const MAX_SECRETS = 512;
/** Text beyond this is never looked at (nor shown): a reason is a sentence, not a response dump. */
const MAX_INPUT = 16 * 1024;

const registered = new Map<string, string[]>();

/**
 * Remember a secret this process holds, so that any text it appears in later is cleaned. Called by
 * the config loader (every credential-like setting), the token client (each access token) and the
 * verifier (its client secret and bearer token).
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || registered.has(value)) return;
  if (registered.size >= MAX_SECRETS) {
    const oldest = registered.keys().next().value;
    if (oldest !== undefined) registered.delete(oldest);
  }
  registered.set(value, spellings(value));
}

/** Forget every registered secret (tests). */
export function clearRegisteredSecrets(): void {
  registered.clear();
}

/** The forms a secret takes in requests that a target may echo: raw, URL/form-encoded, JSON-escaped, base64. */
function spellings(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** Keys whose value is a credential or a hash whatever the spelling around them. */
const CREDENTIAL_KEYS = [
  'client_secret',
  'clientsecret',
  'passwordhash',
  'password_hash',
  'hashed_password',
  'password_hash_info',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'x-api-key',
  'signerkey',
  'signer_key',
  'base64_signer_key',
  'totp_secret',
  'otp_secret',
  'secretdata',
  'secret_data',
  'authorization',
  'proxy-authorization',
  'set-cookie',
];
/** Plain words that name a credential only as a JSON key (`"hash": …`) or a form field (`key=…`), not in prose ("hash: unknown algorithm"). */
const WORD_KEYS = ['secret', 'password', 'passwd', 'pwd', 'hash', 'salt', 'token', 'key', 'cookie', 'pepper'];

const keyAlternatives = (keys: string[]) => keys.map((k) => k.replace(/[-_]/g, '[-_]?')).join('|');
/** A quoted value runs to its closing quote (spaces included; `\"` when a JSON body is echoed inside a JSON string); an unquoted one to a delimiter. */
const VALUE = String.raw`(?!\[[a-z]+\])(?:(\\*")((?:[^"\\]|\\(?!"))*)|('[^']*')|(\{[^}]*\}?)|([^\s&,;}\])"']+))`;
const CREDENTIAL_VALUE = new RegExp(String.raw`(["'\\]*\b(?:${keyAlternatives(CREDENTIAL_KEYS)})\b["'\\]*\s*[:=]\s*)` + VALUE, 'gi');
const WORD_VALUE = new RegExp(String.raw`((?:["']|\\")\b(?:${keyAlternatives(WORD_KEYS)})(?:["']|\\")\s*:\s*|\b(?:${keyAlternatives(WORD_KEYS)})=)` + VALUE, 'gi');
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Negotiate|Token|MAC|HOBA|Mutual|AWS4-HMAC-SHA256)(\s+)[A-Za-z0-9._~+/=:,-]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g;
/** Modular crypt / PHC strings: `$id$…` (bcrypt, argon2, sha-crypt, phpass, scrypt, pbkdf2, Kratos, `U$P$`, `$wp$`). */
const MCF = /\$[A-Za-z0-9][A-Za-z0-9_-]{0,30}\$[^\s"'\\<>(){}[\];|]{3,}/g;
/** Django/passlib `name$…` spellings. */
const DJANGO = /\b(?:pbkdf2_sha\d{1,3}|bcrypt(?:_sha256)?|argon2|scrypt|sha1|md5|unsalted_sha1|unsalted_md5|crypt)\$[^\s"'\\<>(){}[\];|]*/g;
/** LDAP `{SCHEME}value` and Atlassian `{PKCS5S2}`. */
const LDAP = /\{[A-Za-z][A-Za-z0-9-]{1,15}\}[^\s"'\\<>(){}[\],;|]{4,}/g;
const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
const EMAIL = /[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g;
const PHONE = /(?<![\w+])\+\d[\d ()./-]{5,22}\d(?!\w)/g;
/** A run of URL/form-encoded text: checked in its decoded form, since `%24` hides a `$`. */
const PERCENT_ENCODED = /[A-Za-z0-9%._~+*!-]*%[0-9A-Fa-f]{2}[A-Za-z0-9%._~+*!-]*/g;
/** What separates the words of a message: anything that cannot be part of a hash, token or key. */
const TOKEN = /[^\s"'`\\<>(){}[\],;:&=|]+/g;

const HEX_DIGEST = /^[0-9a-fA-F]{32,}$/;
const OPAQUE = /^[A-Za-z0-9+/_.~-]{20,}$/;
const BASE32_UPPER = /^[A-Z2-7]{16,}$/;
const BASE32_LOWER = /^(?=[a-z2-7]*[2-7])[a-z2-7]{16,}$/;
const LONG_NUMBER = /^\d{8,}$/;
/**
 * A file path ending in a file name with an extension (`/tmp/ciam-x1Y2/users.csv`): an operator's
 * message names the file it could not read. Random temp-dir names would otherwise look opaque.
 */
const FILE_PATH = /^(?:\/|\.{1,2}\/|~\/)(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.[A-Za-z][A-Za-z0-9]{0,9}$/;

/** Clean a text (see the module comment). Never throws; non-strings become their String(). */
export function redact(text: unknown, options: RedactOptions = {}): string {
  let s = typeof text === 'string' ? text : String(text);
  if (s.length > MAX_INPUT) s = s.slice(0, MAX_INPUT);
  s = removeSecrets(s, options.secrets);
  s = s.replace(PERCENT_ENCODED, (run) => {
    const decoded = percentDecode(run);
    return decoded !== run && redact(decoded, { ...options, maxLength: MAX_INPUT }) !== decoded ? '[redacted]' : run;
  });
  s = s.replace(AUTH_SCHEME, '$1$2[redacted]');
  const keyed = (_m: string, head: string, quote?: string): string => `${head}${quote ?? ''}[redacted]`;
  s = s.replace(CREDENTIAL_VALUE, keyed).replace(WORD_VALUE, keyed);
  s = s.replace(JWT, '[token]');
  s = s.replace(MCF, '[hash]').replace(DJANGO, '[hash]').replace(LDAP, '[hash]');
  if (!options.keepIdentifiers) s = s.replace(EMAIL, '<email>').replace(UUID, '<id>').replace(PHONE, '<phone>');
  s = s.replace(TOKEN, (word) => classifyWord(word, options.keepIdentifiers === true));
  const max = options.maxLength ?? 500;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The reason stored for a user or an event: secrets, hashes and identifiers removed, bounded length. */
export function redactReason(text: unknown, options: Omit<RedactOptions, 'keepIdentifiers'> = {}): string {
  return redact(text, options);
}

/** For messages and stack traces meant for the operator: secrets and hashes go, identifiers stay. */
export function redactSecrets(text: unknown, options: Omit<RedactOptions, 'keepIdentifiers'> = {}): string {
  return redact(text, { maxLength: 64 * 1024, ...options, keepIdentifiers: true });
}

function percentDecode(run: string): string {
  try {
    return decodeURIComponent(run.replace(/\+/g, ' '));
  } catch {
    return run;
  }
}

function removeSecrets(s: string, extra: readonly string[] | undefined): string {
  let out = s;
  const lists: string[][] = [...registered.values()];
  for (const v of extra ?? []) if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) lists.push(spellings(v));
  for (const forms of lists) for (const f of forms) if (out.includes(f)) out = out.split(f).join('[secret]');
  return out;
}

function classifyWord(word: string, keepIdentifiers: boolean): string {
  // Sentence punctuation stays outside: "… user@x.org." keeps its full stop.
  const trailing = /[.!?-]+$/.exec(word)?.[0] ?? '';
  const core = trailing ? word.slice(0, -trailing.length) : word;
  if (core.length < 8) return word;
  const verdict = wordVerdict(core, keepIdentifiers);
  return verdict === undefined ? word : verdict + trailing;
}

function wordVerdict(w: string, keepIdentifiers: boolean): string | undefined {
  if (w.startsWith('[') || w.startsWith('<')) return undefined;
  if (HEX_DIGEST.test(w)) return '[hash]';
  if (BASE32_UPPER.test(w) || BASE32_LOWER.test(w)) return '[secret]';
  if (!keepIdentifiers && LONG_NUMBER.test(w)) return '<number>';
  // What a known hash format would take (bare or self-describing): the registry knows every format.
  if (w.length >= 13 && detectFamily(w) !== undefined) return '[hash]';
  if (keepIdentifiers && FILE_PATH.test(w)) return undefined;
  if (OPAQUE.test(w) && /[A-Z]/.test(w) && /[a-z]/.test(w) && /\d/.test(w)) return '[redacted]';
  // Base64 of a digest or key that happens to lack one character class (e.g. all digits and lowercase).
  if (w.length >= 22 && /^[A-Za-z0-9+/]+$/.test(w) && /\d/.test(w) && /[+/]/.test(w)) return '[redacted]';
  return undefined;
}

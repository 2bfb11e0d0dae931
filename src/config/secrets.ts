import { registerSecret } from '../observe/redact.ts';

/** Settings whose value is a credential, wherever they appear in the config. */
const SECRET_KEYS = new Set(['clientSecret', 'signerKey', 'bindPassword', 'secret', 'token', 'pass', 'password', 'bearerToken']);

/**
 * Every credential a loaded config holds (target client secret, webhook and broker secrets, the
 * source's passwords, an HMAC pepper, a Firebase signer key, a password inside a connection URL),
 * so that the redactor can remove them from any text the process shows later.
 */
export function configSecrets(config: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, key: string, parent: string): void => {
    if (typeof node === 'string') {
      // `key` is a credential only as mapping.password.key (the HMAC pepper); elsewhere it names a column.
      if (SECRET_KEYS.has(key) || (key === 'key' && parent === 'password')) out.push(node);
      else if (key === 'url' || key.endsWith('Url')) {
        const password = urlPassword(node);
        if (password !== undefined) out.push(password);
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const v of node) walk(v, key, parent);
      return;
    }
    if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k, key);
  };
  walk(config, '', '');
  return out;
}

export function registerConfigSecrets(config: unknown): void {
  for (const s of configSecrets(config)) registerSecret(s);
}

function urlPassword(value: string): string | undefined {
  try {
    const p = new URL(value).password;
    return p === '' ? undefined : decodeURIComponent(p);
  } catch {
    return undefined;
  }
}

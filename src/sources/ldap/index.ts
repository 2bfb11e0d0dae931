import type { LdapSourceConfig } from '../../config/source.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';

/**
 * A paged LDAP search (RFC 2696 through ldapts). Attribute names are kept as the server returns
 * them; single values are plain, multiple values arrays. Binary attributes are read as bytes:
 * a `{SCHEME}…` password is text, other binary values become base64.
 */
export class LdapSource implements Source {
  readonly kind = 'ldap';

  constructor(private readonly config: LdapSourceConfig) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const c = this.config;
    // Loaded when an LDAP source is read, not by every run that merely can read one (memory, start-up).
    const { Client } = await import('ldapts');
    const client = new Client({
      url: c.url,
      timeout: c.timeoutMs,
      connectTimeout: c.timeoutMs,
      ...(c.tlsInsecure ? { tlsOptions: { rejectUnauthorized: false } } : {}),
    });
    try {
      if (c.bindDN !== undefined) await client.bind(c.bindDN, c.bindPassword ?? '');
      const pages = client.searchPaginated(c.baseDN, {
        scope: c.scope,
        filter: c.filter,
        ...(c.attributes ? { attributes: c.attributes } : {}),
        explicitBufferAttributes: c.binaryAttributes,
        paged: { pageSize: c.pageSize },
      });
      for await (const page of pages) {
        for (const entry of page.searchEntries) {
          if (signal?.aborted) return;
          const data: Record<string, unknown> = {};
          for (const [name, value] of Object.entries(entry))
            data[name] = Array.isArray(value) ? value.map(text) : text(value);
          yield { position: `dn=${entry.dn}`, data };
        }
      }
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

function text(value: unknown): unknown {
  if (!Buffer.isBuffer(value)) return value;
  const s = value.toString('utf8');
  return /^\{[A-Za-z0-9-]+\}/.test(s) || Buffer.from(s, 'utf8').equals(value) ? s : value.toString('base64');
}

import { z } from 'zod';

/* Shared pieces of the target schemas. Imports only zod: src/config/ builds on these files. */

/** Connection settings every HTTP target shares; spread into each target's schema. */
export const Http = {
  baseUrl: z.url().describe('e.g. https://acme.cidaas.eu'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).describe('use ${ENV_VAR}; never commit it'),
  /** PEM file with an extra CA to trust (TLS verification itself is always on). */
  caFile: z.string().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Token endpoint below baseUrl; the default is the vendor's (`{tid}` is replaced by the tenant id). */
  tokenPath: z.string().startsWith('/').optional(),
  /** Scopes to request explicitly; empty means whatever the client is granted by default. */
  scopes: z.array(z.string().min(1)).default([]),
  /** `post`: client_id/secret in the form body (both vendors' examples); `basic`: Authorization header. */
  tokenAuth: z.enum(['post', 'basic']).default('post'),
  /** Keep-alive connections to the target; the adaptive limiter decides how many are used. */
  connections: z.number().int().min(1).max(256).default(16),
  keepAliveMs: z.number().int().positive().default(30_000),
  /**
   * Allow a plain `http://` baseUrl to a host other than this machine (the client secret, tokens
   * and every hash would cross the network in clear text). Off: only loopback may be plain HTTP.
   */
  allowInsecureHttp: z.boolean().default(false),
};

/** 127.0.0.0/8, ::1 and localhost: plain HTTP there never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** The baseUrl refinement every HTTP target applies (one check, one message). */
export const secureBaseUrl = {
  check: (c: { baseUrl: string; allowInsecureHttp: boolean }): boolean => {
    const url = new URL(c.baseUrl);
    return url.protocol !== 'http:' || c.allowInsecureHttp || isLoopbackHost(url.hostname);
  },
  message: {
    message: 'plain http:// to a host other than this machine would send the client secret, tokens and password hashes in clear text: use https://, or set allowInsecureHttp: true (e.g. an emulator on a private network)',
    path: ['baseUrl'],
  },
};

/** What to do with a user whose hash the target cannot take. */
export const UnsupportedHashPolicy = z.enum(['reject', 'reset', 'verifier']);

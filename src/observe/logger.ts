import pino from 'pino';
import { redactSecrets } from './redact.ts';

/**
 * JSON log lines on stderr. Anything that could carry a credential is censored by key name, so a
 * careless `log.info({ config })` still cannot leak one; and every text logged (messages, error
 * messages and stacks, string fields) goes through the redactor, so a vendor's echo of a token or a
 * hash inside an error cannot either.
 */
export const REDACTED_KEYS = [
  'clientSecret',
  'client_secret',
  'password',
  'passwordHash',
  'password_hash_info',
  'hashed_password',
  'access_token',
  'authorization',
  'secret',
  'token',
  'key',
];

export function createLogger(level = process.env.CIAM_MIGRATE_LOG ?? 'info') {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(cleanArg) as Parameters<typeof method>);
        },
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

export type Logger = ReturnType<typeof createLogger>;

function cleanArg(arg: unknown): unknown {
  if (typeof arg === 'string') return redactSecrets(arg);
  if (arg instanceof Error) return cleanError(arg);
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) return arg;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(arg as Record<string, unknown>)) {
    out[k] = typeof v === 'string' ? redactSecrets(v) : v instanceof Error ? cleanError(v) : v;
  }
  return out;
}

function cleanError(e: Error): { type: string; message: string; stack?: string } {
  return { type: e.name, message: redactSecrets(e.message), ...(e.stack ? { stack: redactSecrets(e.stack) } : {}) };
}

import pino from 'pino';

/**
 * JSON log lines on stderr. Anything that could carry a credential is censored by key name, so a
 * careless `log.info({ config })` still cannot leak one.
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
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

export type Logger = ReturnType<typeof createLogger>;

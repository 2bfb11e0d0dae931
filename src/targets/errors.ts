import { redactSecrets } from '../observe/redact.ts';

/**
 * Errors a target raises instead of returning outcomes. They are fatal for the run: retrying cannot
 * help until a person changes the config or the vendor changes the client. The engine recognises
 * them with `isFatalTargetError` and exits with code 1.
 */
export class TargetAuthError extends Error {
  constructor(
    readonly target: string,
    readonly status: number,
    message: string,
    /** What to ask the vendor (or tenant admin) for. */
    readonly remedy: string,
  ) {
    // Vendor text goes into these messages (a 403 body, a token endpoint's error_description), and
    // vendors echo requests: the message is redacted when it is made, before anyone can print it.
    super(redactSecrets(`${target}: ${message}. ${remedy}`));
    this.name = 'TargetAuthError';
  }
}

export class TargetUnreachableError extends Error {
  constructor(
    readonly target: string,
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(redactSecrets(`${target}: cannot reach ${url} (${detail}); check baseUrl, network and TLS settings`), options);
    this.name = 'TargetUnreachableError';
  }
}

/** The adapter config cannot work (e.g. an unknown hash method); found before any call. */
export class TargetConfigError extends Error {
  constructor(
    readonly target: string,
    message: string,
  ) {
    super(redactSecrets(`${target}: ${message}`));
    this.name = 'TargetConfigError';
  }
}

export function isFatalTargetError(
  err: unknown,
): err is TargetAuthError | TargetUnreachableError | TargetConfigError {
  return (
    err instanceof TargetAuthError ||
    err instanceof TargetUnreachableError ||
    err instanceof TargetConfigError
  );
}

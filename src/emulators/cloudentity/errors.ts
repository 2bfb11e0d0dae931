import type { Reply } from '../shared/router.ts';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'too_many_requests',
};

/** The Cloudentity `Error` definition: `{status_code, error, error_code, details}`. */
export function ceError(status: number, message: string, details: Record<string, unknown> = {}): Reply {
  return { status, body: { status_code: status, error: message, error_code: CODES[status] ?? (status >= 500 ? 'internal_server_error' : 'error'), details } };
}

/** OAuth2 token endpoint errors (RFC 6749 §5.2), with the status code as Cloudentity adds it. */
export function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description, status_code: status } };
}

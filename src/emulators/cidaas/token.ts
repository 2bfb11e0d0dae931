import { constantTimeEqual } from '../../hashes/primitives.ts';
import { contentType, parseParams } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { grantScopes, readClientCredentials } from '../shared/tokens.ts';
import type { CidaasContext } from './context.ts';
import { cidaasError } from './errors.ts';

const TOKEN_ERROR = { type: 'TokenException' };

/** `POST /token-srv/token`: client_credentials, form or JSON body, basic or post client auth. */
export function handleToken(ctx: CidaasContext, req: EmuRequest): Reply {
  const params = parseParams(req.body, contentType(req.headers['content-type']), true);
  if (params === undefined) return cidaasError(400, 'invalid_request: form or JSON body expected', TOKEN_ERROR);
  if (params['grant_type'] !== 'client_credentials') return cidaasError(400, 'unsupported_grant_type', TOKEN_ERROR);
  const auth = readClientCredentials(req.headers.authorization, params);
  if (!auth.ok) return cidaasError(401, `invalid_client: ${auth.reason}`, TOKEN_ERROR);
  const client = ctx.clients.get(auth.credentials.clientId);
  if (client === undefined || !constantTimeEqual(Buffer.from(client.clientSecret), Buffer.from(auth.credentials.clientSecret))) {
    return cidaasError(401, 'invalid_client', TOKEN_ERROR);
  }
  const scopes = grantScopes(client.scopes, params['scope']);
  if (scopes === undefined) return cidaasError(400, 'invalid_scope', TOKEN_ERROR);
  const ttl = ctx.options.tokenTtlSeconds;
  const accessToken = ctx.tokens.issue(client.clientId, scopes, ttl);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    body: { token_type: 'Bearer', sub: 'ANONYMOUS', expires_in: ttl, access_token: accessToken, scope: scopes.join(' ') },
  };
}

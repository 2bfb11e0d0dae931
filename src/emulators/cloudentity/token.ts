import { constantTimeEqual } from '../../hashes/primitives.ts';
import { contentType, parseParams } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { grantScopes, readClientCredentials } from '../shared/tokens.ts';
import type { CloudentityContext } from './context.ts';
import { ceError, oauthError } from './errors.ts';

/** `POST /{tid}/system/oauth2/token`: client_credentials, form body, basic or post client auth. */
export function handleToken(ctx: CloudentityContext, req: EmuRequest): Reply {
  const tid = req.params['tid'];
  if (tid !== ctx.options.tenant) return ceError(404, `tenant ${String(tid)} not found`);
  const params = parseParams(req.body, contentType(req.headers['content-type']), false);
  if (params === undefined) return oauthError(400, 'invalid_request', 'application/x-www-form-urlencoded body expected');
  if (params['grant_type'] !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'only client_credentials is supported');
  const auth = readClientCredentials(req.headers.authorization, params);
  if (!auth.ok) return oauthError(401, 'invalid_client', auth.reason);
  const client = ctx.clients.get(auth.credentials.clientId);
  if (client === undefined || !constantTimeEqual(Buffer.from(client.clientSecret), Buffer.from(auth.credentials.clientSecret))) {
    return oauthError(401, 'invalid_client', 'client authentication failed');
  }
  const scopes = grantScopes(client.scopes, params['scope']);
  if (scopes === undefined) return oauthError(400, 'invalid_scope', 'requested scope is not granted to the client');
  const ttl = ctx.options.tokenTtlSeconds;
  const accessToken = ctx.tokens.issue(client.clientId, scopes, ttl, tid);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    body: { access_token: accessToken, token_type: 'bearer', expires_in: ttl, scope: scopes.join(' ') },
  };
}

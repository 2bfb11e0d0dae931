import type { HttpRequest, HttpResponse } from '../../delivery/http-client.ts';
import type { AuthAdvice } from '../common/session.ts';
import { cidaasErrorMessage } from './response.ts';

/** Scopes per cidaas API family (contracts/cidaas.md §1, §4). */
function scopeFor(req: HttpRequest): string {
  if (req.path.startsWith('/users-srv/user/bulk')) return 'cidaas:bulk_user_create';
  if (req.path.startsWith('/users-srv/user/purge')) return 'cidaas:users_delete';
  if (req.path.startsWith('/users-srv/user/unregister')) return 'cidaas:users_write';
  if (req.path.startsWith('/user-srv/users') && req.method === 'PUT')
    return 'cidaas:userupdate and cidaas:users_write';
  if (req.path.startsWith('/user-srv/users')) return 'cidaas:users_read';
  return 'the admin scopes of this API';
}

export function cidaasAuthAdvice(clientId: string): AuthAdvice {
  return {
    forbidden(res: HttpResponse, req: HttpRequest) {
      const scope = scopeFor(req);
      const vendor = cidaasErrorMessage(res.text, res.status).message;
      const bulk = scope === 'cidaas:bulk_user_create';
      return {
        message: `${req.method} ${req.path.split('?')[0] ?? ''} was refused with HTTP 403 (${vendor}): the client "${clientId}" lacks scope ${scope}`,
        remedy: bulk
          ? `Ask cidaas support to grant scope cidaas:bulk_user_create to the NON_INTERACTIVE client "${clientId}" (send them your issuer URL and the client id) and to enable migration mode (migrationMode=true) on it so passwords can be overwritten on re-runs.`
          : `Grant scope ${scope} to the client "${clientId}" in the cidaas admin console (or ask cidaas support), then run again.`,
      };
    },
    badClient: `Check clientId and clientSecret of the cidaas migration client (a NON_INTERACTIVE app with scope cidaas:bulk_user_create).`,
  };
}

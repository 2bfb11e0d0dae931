import type { HttpRequest, HttpResponse } from '../../delivery/http-client.ts';
import type { AuthAdvice } from '../common/session.ts';
import { cloudentityErrorMessage } from './response.ts';

export function cloudentityAuthAdvice(clientId: string, tenantId: string): AuthAdvice {
  return {
    forbidden(res: HttpResponse, req: HttpRequest) {
      const path = req.path.split('?')[0] ?? '';
      const scope = path.endsWith('/configuration')
        ? req.method === 'GET'
          ? 'read_configuration'
          : 'manage_configuration'
        : 'identity';
      const vendor = cloudentityErrorMessage(res.text, res.status).message;
      return {
        message: `${req.method} ${path} was refused with HTTP 403 (${vendor}): the client "${clientId}" lacks scope ${scope}`,
        remedy:
          `In the System workspace of tenant "${tenantId}", grant scope ${scope} to the Service client "${clientId}" ` +
          `(the import needs manage_configuration, per-user sync needs identity), or ask the Cloudentity/SecureAuth tenant admin to.`,
      };
    },
    badClient: `Check clientId and clientSecret of the Cloudentity System-workspace Service client (tenant "${tenantId}").`,
  };
}

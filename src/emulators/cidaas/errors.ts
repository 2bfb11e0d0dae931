import { randomUUID } from 'node:crypto';
import type { Reply } from '../shared/router.ts';

/** cidaas error codes seen in public material; other statuses reuse the HTTP status as code. */
export const CIDAAS_CODE_INVALID_EMAIL = 507;

/** The nested error body seen in cidaas SDK fixtures (contract §2). */
export function cidaasError(status: number, message: string, options: { code?: number; type?: string } = {}): Reply {
  return {
    status,
    body: {
      success: false,
      status,
      error: {
        code: options.code ?? status,
        moreInfo: '',
        type: options.type ?? 'UsersException',
        status,
        referenceNumber: `${Date.now()}-${randomUUID()}`,
        error: message,
      },
    },
  };
}

export function cidaasOk(status: number, data: unknown): Reply {
  return { status, body: { success: true, status, data } };
}

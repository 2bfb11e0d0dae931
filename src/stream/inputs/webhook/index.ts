import type { InputDescriptor } from '../descriptor.ts';
import { WebhookInputConfig } from './config.ts';

export const webhook: InputDescriptor<typeof WebhookInputConfig> = {
  kind: 'webhook',
  schema: WebhookInputConfig,
  async open(c, { name, decoder, metrics }) {
    const { WebhookInput } = await import('./webhook.ts');
    return new WebhookInput({
      name,
      host: c.host,
      port: c.port,
      path: c.path,
      secrets: c.secret === undefined ? undefined : [c.secret].flat(),
      tokens: c.token === undefined ? undefined : [c.token].flat(),
      toleranceSeconds: c.toleranceSeconds,
      maxBodyBytes: c.maxBodyBytes,
      maxConnections: c.maxConnections,
      headersTimeoutMs: c.headersTimeoutMs,
      requestTimeoutMs: c.requestTimeoutMs,
      keepAliveTimeoutMs: c.keepAliveTimeoutMs,
      decoder: decoder(c.envelope),
      onRejected: (reason) => metrics.webhookRejected.inc({ reason }),
    });
  },
};

import type { SyncInput } from '../../config/sync.ts';
import type { SyncMetrics } from '../../observe/metrics.ts';
import { createDecoder, type DecodeContext } from '../envelope/index.ts';
import type { AnyEventInput } from '../input.ts';
import { FileInput } from './file.ts';
import { NatsInput } from './nats.ts';
import { RabbitInput } from './rabbitmq.ts';
import { WebhookInput } from './webhook.ts';

export function inputName(config: SyncInput, index: number): string {
  return config.name ?? `${config.kind}-${index + 1}`;
}

/** Builds the configured inputs; Postgres CDC is loaded on demand (its driver is optional). */
export async function createInputs(
  configs: SyncInput[],
  ctx: DecodeContext,
  metrics: SyncMetrics,
  onError: (input: string, err: unknown) => void,
): Promise<AnyEventInput[]> {
  const inputs: AnyEventInput[] = [];
  for (const [i, c] of configs.entries()) {
    const name = inputName(c, i);
    const err = (e: unknown) => onError(name, e);
    switch (c.kind) {
      case 'webhook':
        inputs.push(
          new WebhookInput({
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
            decoder: createDecoder(c.envelope, ctx),
            onRejected: (reason) => metrics.webhookRejected.inc({ reason }),
          }),
        );
        break;
      case 'nats':
        inputs.push(new NatsInput({ ...c, name, decoder: createDecoder(c.envelope, ctx), onError: err }));
        break;
      case 'rabbitmq':
        inputs.push(new RabbitInput({ ...c, name, decoder: createDecoder(c.envelope, ctx), onError: err }));
        break;
      case 'postgres-cdc': {
        const { PostgresCdcInput } = await import('./postgres-cdc.ts');
        inputs.push(new PostgresCdcInput({ ...c, name, ctx, onError: err }));
        break;
      }
      case 'file':
        inputs.push(new FileInput(name, c.path, createDecoder(c.envelope, ctx), 500, err));
        break;
    }
  }
  return inputs;
}

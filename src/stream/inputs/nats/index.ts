import type { InputDescriptor } from '../descriptor.ts';
import { NatsInputConfig } from './config.ts';

export const nats: InputDescriptor<typeof NatsInputConfig> = {
  kind: 'nats',
  schema: NatsInputConfig,
  async open(c, { name, decoder, onError }) {
    const { NatsInput } = await import('./nats.ts');
    return new NatsInput({ ...c, name, decoder: decoder(c.envelope), onError });
  },
};

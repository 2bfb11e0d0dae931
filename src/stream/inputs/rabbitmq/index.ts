import type { InputDescriptor } from '../descriptor.ts';
import { RabbitInputConfig } from './config.ts';

export const rabbitmq: InputDescriptor<typeof RabbitInputConfig> = {
  kind: 'rabbitmq',
  schema: RabbitInputConfig,
  async open(c, { name, decoder, onError }) {
    const { RabbitInput } = await import('./rabbitmq.ts');
    return new RabbitInput({ ...c, name, decoder: decoder(c.envelope), onError });
  },
};

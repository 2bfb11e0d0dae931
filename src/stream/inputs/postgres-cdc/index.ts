import type { InputDescriptor } from '../descriptor.ts';
import { PostgresCdcInputConfig } from './config.ts';

export const postgresCdc: InputDescriptor<typeof PostgresCdcInputConfig> = {
  kind: 'postgres-cdc',
  schema: PostgresCdcInputConfig,
  async open(c, { name, decode, onError }) {
    // pgoutput transactions are this input's own messages: it decodes them itself (envelope/pgoutput.ts).
    const { PostgresCdcInput } = await import('./postgres-cdc.ts');
    return new PostgresCdcInput({ ...c, name, ctx: decode, onError });
  },
};

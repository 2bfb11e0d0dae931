import type { InputDescriptor } from '../descriptor.ts';
import { FileInputConfig } from './config.ts';

/** Lines handed to the pump per inbox commit (at most twice as many in flight). */
const LINES_PER_BATCH = 500;

export const file: InputDescriptor<typeof FileInputConfig> = {
  kind: 'file',
  schema: FileInputConfig,
  async open(c, { name, decoder, onError }) {
    const { FileInput } = await import('./file.ts');
    return new FileInput(name, c.path, decoder(c.envelope), LINES_PER_BATCH, onError);
  },
};

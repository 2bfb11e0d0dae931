import { z } from 'zod';
import { DEFAULT_ENVELOPE, EnvelopeConfig } from '../../envelope/config.ts';

export const FileInputConfig = z
  .object({
    kind: z.literal('file'),
    name: z.string().optional(),
    path: z.string().min(1).describe('NDJSON, one message per line'),
    envelope: EnvelopeConfig.prefault(DEFAULT_ENVELOPE),
  })
  .strict();
export type FileInputConfig = z.output<typeof FileInputConfig>;

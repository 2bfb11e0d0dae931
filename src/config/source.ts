import { z } from 'zod';

export const CsvSource = z
  .object({
    kind: z.literal('csv'),
    path: z.string().min(1),
    delimiter: z.string().min(1).default(','),
    quote: z.string().length(1).default('"'),
    encoding: z.enum(['utf8', 'utf-8', 'latin1', 'utf16le']).default('utf8'),
    /** Column names when the file has no header row. */
    columns: z.array(z.string().min(1)).optional(),
    /** Longest field accepted, in characters; a longer one rejects that row only. */
    maxFieldLength: z.number().int().positive().default(1_000_000),
    /** A quoted field running over more lines than this is taken as a stray, unclosed quote. */
    maxRecordLines: z.number().int().positive().default(100),
  })
  .strict();

export const SourceConfig = z.discriminatedUnion('kind', [CsvSource]);
export type SourceConfig = z.infer<typeof SourceConfig>;
export type CsvSourceConfig = z.infer<typeof CsvSource>;

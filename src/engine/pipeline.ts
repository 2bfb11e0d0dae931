import type { MigrationConfig } from '../config/schema.ts';
import { createMapper, type Mapper } from '../mapping/index.ts';
import { preflight } from '../sources/preflight.ts';
import { createSource } from '../sources/index.ts';
import type { Source } from '../sources/source.ts';
import { createTarget } from '../targets/index.ts';
import type { Target } from '../targets/index.ts';

export interface Pipeline {
  source: Source;
  mapper: Mapper;
  target: Target;
}

/** Source, mapping (with the source's preset underneath the config's) and target of a config. */
export async function openPipeline(config: MigrationConfig, baseDir: string): Promise<Pipeline> {
  const source = createSource(config.source, { baseDir });
  // The file opens, decodes, has the expected structure and every mapped column (issue 31).
  await preflight(source, config.mapping);
  const mapper = await createMapper(config.mapping, {
    baseDir,
    ...(source.defaultMapping ? { preset: source.defaultMapping } : {}),
  });
  return { source, mapper, target: createTarget(config.target) };
}

import { z } from 'zod';
import { MigrationConfig } from './schema.ts';

/** JSON Schema of migration.yaml, for editors and CI linting; generated from the validating schema. */
export function migrationConfigJsonSchema(): unknown {
  return z.toJSONSchema(MigrationConfig, { io: 'input', unrepresentable: 'any' });
}

import type { Command } from 'commander';
import { migrationConfigJsonSchema } from '../config/json-schema.ts';
import { loadConfig } from '../config/load.ts';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('the migration config: its JSON Schema, or check a file');
  config
    .command('schema')
    .description('print the JSON Schema of migration.yaml')
    .action(() => {
      process.stdout.write(`${JSON.stringify(migrationConfigJsonSchema(), null, 2)}\n`);
    });
  config
    .command('check')
    .description('validate a config file (and its ${ENV} references) without touching source or target')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .action(async (opts: { config: string }) => {
      const cfg = await loadConfig(opts.config);
      process.stdout.write(`${opts.config}: valid (${cfg.source.kind} → ${cfg.target.kind})\n`);
    });
}

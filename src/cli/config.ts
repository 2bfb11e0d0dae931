import type { Command } from 'commander';
import { migrationConfigJsonSchema } from '../config/json-schema.ts';
import path from 'node:path';
import { loadConfig } from '../config/load.ts';
import { preflight } from '../sources/preflight.ts';
import { createSource } from '../sources/index.ts';

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
    .description(
      'validate a config file (and its ${ENV} references), and that a source file opens, decodes and has every mapped column; the target is not touched',
    )
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .action(async (opts: { config: string }) => {
      const cfg = await loadConfig(opts.config);
      // Files only: a database or directory is not connected to by a config check.
      if ('path' in cfg.source) {
        const source = createSource(cfg.source, { baseDir: path.dirname(path.resolve(opts.config)) });
        await preflight(source, cfg.mapping);
        const columns = source.columns;
        process.stdout.write(`source: ${cfg.source.path} reads${columns ? ` (${columns.length} columns)` : ''}\n`);
      }
      process.stdout.write(`${opts.config}: valid (${cfg.source.kind} → ${cfg.target.kind})\n`);
    });
}

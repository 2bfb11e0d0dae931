import { access, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { exampleConfig } from '../config/example.ts';
import { isTargetKindName, targetKindNames } from '../targets/registry.ts';
import { EXIT } from './exit-codes.ts';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a commented migration.yaml to start from')
    .option('-o, --output <file>', 'where to write it', 'migration.yaml')
    .option('--target <kind>', targetKindNames.join(' or '), targetKindNames[0])
    .option('--force', 'overwrite an existing file')
    .action(async (opts: { output: string; target: string; force?: boolean }) => {
      if (!isTargetKindName(opts.target)) {
        process.stderr.write(`--target must be ${targetKindNames.join(' or ')}, not ${opts.target}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const exists = await access(opts.output).then(
        () => true,
        () => false,
      );
      if (exists && !opts.force) {
        process.stderr.write(`${opts.output} exists; use --force to overwrite it\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      await writeFile(opts.output, exampleConfig(opts.target));
      process.stdout.write(`wrote ${opts.output}: edit the source, mapping and target, then run\n  ciam-migrate plan -c ${opts.output}\n`);
    });
}

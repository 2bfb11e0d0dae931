import path from 'node:path';
import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.ts';
import { EXIT } from './exit-codes.ts';
import { formatRunSummary } from './format.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('migrate a generated sample of 10,000 users into the built-in cidaas emulator, end to end')
    .option('--dir <dir>', 'where the sample, config and ledger go', '.work/demo')
    .option('--users <n>', 'how many users to generate', '10000')
    .option('--seed <n>', 'sample seed', '42')
    .action(async (opts: { dir: string; users: string; seed: string }) => {
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const result = await runDemo({ dir: path.resolve(opts.dir), users: Number(opts.users), seed: Number(opts.seed), log });
      const { first, second, expected, proof } = result;
      log('');
      log(formatRunSummary(first, 40));
      log('');
      log(
        `Users handled: ${first.staged.read.toLocaleString('en-US')} records ` +
          `(${expected.withPassword} with a bcrypt hash, ${expected.withoutPassword} without a password → must reset at first login, ` +
          `${first.staged.rejected} invalid rows listed above, ${first.delivered.dead} refused by the target)`,
      );
      log(`Login check on the emulator: ${proof.succeeded}/${proof.tried} migrated users log in with their original password`);
      for (const f of proof.failures) log(`  FAILED ${f}`);
      log(`  a wrong password is refused: ${proof.wrongPasswordRefused ? 'yes' : 'NO'}`);
      if (proof.mustResetReported !== undefined) log(`  a user without a password must reset it: ${proof.mustResetReported ? 'yes' : 'NO'}`);
      log(
        `Second run (delta): ${second.delivered.created + second.delivered.updated} users sent, ` +
          `${second.staged.unchanged.toLocaleString('en-US')} unchanged, ${second.staged.dead} still dead-lettered, ` +
          `${second.staged.rejected} invalid rows again`,
      );
      log(`Files: ${path.relative(process.cwd(), path.resolve(opts.dir))}/ (users.csv, migration.yaml, demo.sqlite)`);
      log('');
      log(result.ok ? 'Demo finished: the migration is complete and verified.' : 'Demo finished WITH PROBLEMS (see above).');
      process.exitCode = result.ok ? EXIT.ok : EXIT.fatal;
    });
}

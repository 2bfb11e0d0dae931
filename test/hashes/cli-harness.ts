/** Runs only the hash/verifier commands, the way src/cli/main.ts wires them (main is the lead's). */
import { Command, CommanderError } from 'commander';
import { registerHashCommand } from '../../src/cli/hash.ts';
import { registerVerifierCommand } from '../../src/cli/verifier.ts';

const program = new Command('ciam-migrate').exitOverride();
registerHashCommand(program);
registerVerifierCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = err instanceof CommanderError && err.exitCode === 0 ? 0 : 2;
}

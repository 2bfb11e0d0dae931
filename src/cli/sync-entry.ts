/**
 * A process running only `sync`, for the crash tests (kill -9) and until `main.ts` registers the
 * command: `node --import tsx src/cli/sync-entry.ts sync -c migration.yaml`.
 */
import { Command, CommanderError } from 'commander';
import { redactSecrets } from '../observe/redact.ts';
import { EXIT } from './exit-codes.ts';
import { registerSyncCommand } from './sync.ts';

const program = new Command('ciam-migrate').exitOverride();
registerSyncCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else {
    process.stderr.write(`ciam-migrate: ${redactSecrets(err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = EXIT.fatal;
  }
}

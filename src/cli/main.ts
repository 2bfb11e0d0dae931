import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { LedgerBusyError } from '../ledger/index.ts';
import { EXIT } from './exit-codes.ts';
import { registerConfigCommand } from './config.ts';
import { registerDemoCommand } from './demo.ts';
import { registerEmulatorCommand } from './emulator.ts';
import { registerHashCommand } from './hash.ts';
import { registerInitCommand } from './init.ts';
import { registerPlanCommand } from './plan.ts';
import { registerReportCommand } from './report.ts';
import { registerRetryCommand } from './retry.ts';
import { registerRunCommand } from './run.ts';
import { registerStatusCommand } from './status.ts';
import { registerSyncCommand } from './sync.ts';
import { registerVerifierCommand } from './verifier.ts';

const program = new Command('ciam-migrate')
  .description('Move the users of a legacy identity system into a CIAM platform, losing none.')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError();

registerInitCommand(program);
registerPlanCommand(program);
registerRunCommand(program);
registerRetryCommand(program);
registerSyncCommand(program);
registerStatusCommand(program);
registerReportCommand(program);
registerConfigCommand(program);
registerDemoCommand(program);
registerEmulatorCommand(program);
registerHashCommand(program);
registerVerifierCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof ConfigError || err instanceof LedgerBusyError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = EXIT.fatal;
  } else {
    process.stderr.write(`ciam-migrate: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.CIAM_MIGRATE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = EXIT.fatal;
  }
}

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { LedgerBusyError } from '../ledger/index.ts';
import { redactSecrets } from '../observe/redact.ts';
import { EXIT } from './exit-codes.ts';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (or for help): a bulk run then does not
 * carry the brokers' clients, the web server and the emulators in memory.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./init.ts')).registerInitCommand,
  plan: async () => (await import('./plan.ts')).registerPlanCommand,
  run: async () => (await import('./run.ts')).registerRunCommand,
  retry: async () => (await import('./retry.ts')).registerRetryCommand,
  sync: async () => (await import('./sync.ts')).registerSyncCommand,
  status: async () => (await import('./status.ts')).registerStatusCommand,
  verify: async () => (await import('./verify.ts')).registerVerifyCommand,
  report: async () => (await import('./report.ts')).registerReportCommand,
  config: async () => (await import('./config.ts')).registerConfigCommand,
  demo: async () => (await import('./demo.ts')).registerDemoCommand,
  emulator: async () => (await import('./emulator.ts')).registerEmulatorCommand,
  hash: async () => (await import('./hash.ts')).registerHashCommand,
  verifier: async () => (await import('./verifier.ts')).registerVerifierCommand,
};

const program = new Command('ciam-migrate')
  .description('Move the users of a legacy identity system into a CIAM platform, losing none.')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError();

const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof ConfigError || err instanceof LedgerBusyError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = EXIT.fatal;
  } else {
    // Errors carry vendor text and a cause chain; whatever they say is cleaned before it is shown.
    process.stderr.write(`ciam-migrate: ${redactSecrets(err instanceof Error ? err.message : String(err))}\n`);
    if (process.env.CIAM_MIGRATE_DEBUG && err instanceof Error) process.stderr.write(`${redactSecrets(debugTrace(err))}\n`);
    process.exitCode = EXIT.fatal;
  }
}

/** The stack of an error and of its causes, for CIAM_MIGRATE_DEBUG. */
function debugTrace(err: Error): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) parts.push(depth === 0 ? (e.stack ?? e.message) : `caused by: ${e.stack ?? e.message}`);
  return parts.join('\n');
}

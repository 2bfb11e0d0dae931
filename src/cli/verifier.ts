import { Option, type Command } from 'commander';
import { startVerifierService } from '../hashes/verifier-service.ts';
import { VerifyPool } from '../hashes/worker-pool.ts';
import { EXIT } from './exit-codes.ts';
import { addHintOptions, hintFromOptions, type HintOptions } from './hash.ts';

interface VerifierOptions extends HintOptions {
  port: string;
  host: string;
  clientId?: string;
  clientSecret?: string;
  bearerToken?: string;
  path: string;
  workers?: string;
}

export function registerVerifierCommand(program: Command): void {
  addHintOptions(
    program
      .command('verifier')
      .description('password verifier for cidaas CUSTOM_* algorithms: POST <path>?action=compare, OAuth2-protected (POST /token)')
      .option('--port <n>', 'port to listen on', '8089')
      .option('--host <addr>', 'address to bind', '127.0.0.1')
      .addOption(new Option('--client-id <id>', 'OAuth2 client id cidaas uses').env('CIAM_MIGRATE_VERIFIER_CLIENT_ID'))
      .addOption(new Option('--client-secret <secret>', 'OAuth2 client secret').env('CIAM_MIGRATE_VERIFIER_CLIENT_SECRET'))
      .addOption(new Option('--bearer-token <token>', 'also accept this static bearer token').env('CIAM_MIGRATE_VERIFIER_TOKEN'))
      .option('--path <path>', 'compare endpoint path', '/verify')
      .option('--workers <n>', 'verify on N worker threads (default: main thread)'),
  ).action(async (o: VerifierOptions) => {
    if (!o.clientId || !o.clientSecret) {
      process.stderr.write('verifier needs --client-id and --client-secret (or CIAM_MIGRATE_VERIFIER_CLIENT_ID/_SECRET)\n');
      process.exitCode = EXIT.usage;
      return;
    }
    const pool = o.workers ? new VerifyPool({ size: Number(o.workers) }) : undefined;
    const service = await startVerifierService({
      port: Number(o.port),
      host: o.host,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      ...(o.bearerToken ? { bearerToken: o.bearerToken } : {}),
      hashHint: hintFromOptions(o),
      path: o.path,
      ...(pool ? { pool } : {}),
    });
    process.stderr.write(`verifier listening on ${service.url}${o.path}?action=compare (token endpoint ${service.url}/token)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await service.close();
    await pool?.close();
  });
}

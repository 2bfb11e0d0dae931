import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { startVerifierService } from '../targets/cidaas/verifier-service.ts';
import { EXIT } from './exit-codes.ts';
import { addHintOptions, addLimitOptions, hintFromOptions, limitsFromOptions, type HintOptions } from './hash.ts';

interface VerifierOptions extends HintOptions {
  port: string;
  host: string;
  clientId?: string;
  clientSecret?: string;
  bearerToken?: string;
  path: string;
  workers?: number;
  deadlineMs: number;
  maxQueued?: number;
  tokenRate: number;
  tlsCert?: string;
  tlsKey?: string;
  hashLimit?: string[];
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer is expected');
  return n;
}

export function registerVerifierCommand(program: Command): void {
  addLimitOptions(
    addHintOptions(
      program
        .command('verifier')
        .description('password verifier for cidaas CUSTOM_* algorithms: POST <path>[?action=compare], OAuth2-protected (POST /token)')
        .option('--port <n>', 'port to listen on', '8089')
        .option('--host <addr>', 'address to bind', '127.0.0.1')
        .addOption(new Option('--client-id <id>', 'OAuth2 client id cidaas uses').env('CIAM_MIGRATE_VERIFIER_CLIENT_ID'))
        .addOption(new Option('--client-secret <secret>', 'OAuth2 client secret').env('CIAM_MIGRATE_VERIFIER_CLIENT_SECRET'))
        .addOption(new Option('--bearer-token <token>', 'also accept this static bearer token').env('CIAM_MIGRATE_VERIFIER_TOKEN'))
        .option('--path <path>', 'compare endpoint path', '/verify')
        .option('--workers <n>', 'worker threads that run the checks (default: the number of cores)', positive)
        .option('--deadline-ms <n>', 'longest one check may take, queueing included; then 503', positive, 5000)
        .option('--max-queued <n>', 'checks waiting for a worker before 503 (default: 16 per worker)', positive)
        .option('--token-rate <n>', 'token requests per second per client address before 429', positive, 5)
        .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
        .option('--tls-key <file>', 'PEM private key of --tls-cert'),
    ),
  ).action(async (o: VerifierOptions) => {
    if (!o.clientId || !o.clientSecret) {
      process.stderr.write('verifier needs --client-id and --client-secret (or CIAM_MIGRATE_VERIFIER_CLIENT_ID/_SECRET)\n');
      process.exitCode = EXIT.usage;
      return;
    }
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
      process.stderr.write('verifier: --tls-cert and --tls-key go together\n');
      process.exitCode = EXIT.usage;
      return;
    }
    let limits;
    try {
      limits = limitsFromOptions(o);
    } catch (e) {
      process.stderr.write(`verifier: ${(e as Error).message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    const service = await startVerifierService({
      port: Number(o.port),
      host: o.host,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      ...(o.bearerToken ? { bearerToken: o.bearerToken } : {}),
      hashHint: hintFromOptions(o),
      path: o.path,
      limits,
      deadlineMs: o.deadlineMs,
      tokenRatePerSecond: o.tokenRate,
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.maxQueued !== undefined ? { maxQueued: o.maxQueued } : {}),
      ...(o.tlsCert !== undefined && o.tlsKey !== undefined ? { tls: { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } } : {}),
    });
    process.stderr.write(`verifier listening on ${service.url}${o.path}?action=compare (token endpoint ${service.url}/token)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await service.close();
  });
}

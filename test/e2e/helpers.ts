import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE_MAPPING_YAML } from '../../src/demo/sample.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
  stdout(): string;
}

/** Runs the real CLI in a child process, as a user would. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env, CIAM_MIGRATE_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, kill: (s) => child.kill(s), stdout: () => stdout };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/**
 * Runs `ciam-migrate run -c config` until `kills` runs have been killed with SIGKILL, the k-th
 * (from 0) once the target has created `when(k).createdAtLeast` users (`created()`, polled every
 * 2 ms) or `when(k).afterMs` has passed, whichever comes first. Stops early when a run finishes
 * before it could be killed; returns how many were killed.
 */
export async function killRunsRepeatedly(
  config: string,
  env: NodeJS.ProcessEnv,
  kills: number,
  created: () => number,
  when: (k: number) => { createdAtLeast: number; afterMs?: number },
): Promise<number> {
  let killed = 0;
  for (let attempt = 0; attempt < kills * 3 && killed < kills; attempt++) {
    const run = startCli(['run', '-c', config], env);
    const { createdAtLeast, afterMs } = when(killed);
    let poll: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      run.done.then(() => 'finished' as const),
      new Promise<'kill'>((resolve) => {
        poll = setInterval(() => created() >= createdAtLeast && resolve('kill'), 2);
        if (afterMs !== undefined) timer = setTimeout(() => resolve('kill'), afterMs);
      }),
    ]);
    clearInterval(poll);
    clearTimeout(timer);
    if (outcome !== 'kill') break;
    run.kill('SIGKILL');
    await run.done;
    killed++;
  }
  return killed;
}

/** A CSV → cidaas config for the demo sample's columns, pointing at a test emulator. */
export async function writeCidaasConfig(dir: string, csvPath: string, baseUrl: string, extra = ''): Promise<string> {
  const file = path.join(dir, 'migration.yaml');
  await writeFile(
    file,
    `version: 1
name: e2e
source: { kind: csv, path: ${JSON.stringify(csvPath)} }
${SAMPLE_MAPPING_YAML}target:
  kind: cidaas
  baseUrl: ${baseUrl}
  clientId: \${E2E_CLIENT_ID}
  clientSecret: \${E2E_CLIENT_SECRET}
  batchSize: 50
ledger: { kind: sqlite, path: ./ledger.sqlite }
${extra}`,
  );
  return file;
}

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

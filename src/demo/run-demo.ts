/**
 * The demo: a real migration end to end, into the built-in cidaas emulator. It goes through the
 * same config loader, source, mapping, ledger, engine and adapter as `ciam-migrate run`.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { loadConfig } from '../config/load.ts';
import { runMigration, type RunSummary } from '../engine/run.ts';
import { startCidaasEmulator } from '../emulators/cidaas/index.ts';
import { openLedger } from '../ledger/index.ts';
import { openPipeline } from '../engine/pipeline.ts';
import { proveLogins, type LoginProof } from './login-proof.ts';
import { generateSample, SAMPLE_MAPPING_YAML, type SampleCounts } from './sample.ts';
import { seededRandom } from './random.ts';

export interface DemoOptions {
  dir: string;
  users: number;
  seed: number;
  log: (line: string) => void;
  loginSamples?: number;
}

export interface DemoResult {
  first: RunSummary;
  second: RunSummary;
  expected: SampleCounts;
  proof: LoginProof;
  ok: boolean;
}

const CLIENT = { clientId: 'demo-migration-client', clientSecret: 'demo-secret-not-for-production' };

function demoConfig(csvPath: string, baseUrl: string): string {
  return `# Written by ciam-migrate demo: CSV -> the built-in cidaas emulator.
version: 1
name: demo
source:
  kind: csv
  path: ${JSON.stringify(csvPath)}
${SAMPLE_MAPPING_YAML}target:
  kind: cidaas
  baseUrl: ${baseUrl}
  clientId: \${DEMO_CLIENT_ID}
  clientSecret: \${DEMO_CLIENT_SECRET}
  batchSize: 100
  hashAlgorithms:
    bcrypt: BCRYPT_{cost}
ledger:
  kind: sqlite
  path: ./demo.sqlite
run:
  concurrency: 8
  initialConcurrency: 2
  maxAttempts: 5
`;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { dir, log } = options;
  log(`Generating a legacy export of ${options.users.toLocaleString('en-US')} users (bcrypt hashes, plaintexts kept aside for the login check)…`);
  const sample = await generateSample(dir, { users: options.users, seed: options.seed, bcryptCost: 4 });

  const emulator = await startCidaasEmulator({
    clients: [{ ...CLIENT, scopes: ['cidaas:bulk_user_create', 'cidaas:users_read', 'cidaas:users_write', 'cidaas:users_delete'], migrationMode: true }],
    customFields: { customer_no: { type: 'string' } },
  });
  log(`Started the cidaas emulator on ${emulator.url}`);
  try {
    const configPath = path.join(dir, 'migration.yaml');
    await writeFile(configPath, demoConfig(sample.csvPath, emulator.url));
    await rm(path.join(dir, 'demo.sqlite'), { force: true });
    await rm(path.join(dir, 'demo.sqlite-wal'), { force: true });
    await rm(path.join(dir, 'demo.sqlite-shm'), { force: true });
    const env = { ...process.env, DEMO_CLIENT_ID: CLIENT.clientId, DEMO_CLIENT_SECRET: CLIENT.clientSecret };
    const config = await loadConfig(configPath, env);

    const once = async (): Promise<RunSummary> => {
      const ledger = await openLedger(config);
      const { source, mapper, target } = await openPipeline(config, dir);
      try {
        return await runMigration({ config, ledger, source, mapper, target, baseDir: dir });
      } finally {
        await target.close();
        await ledger.close();
      }
    };

    log(`Migrating with: ciam-migrate run -c ${path.relative(process.cwd(), configPath)}`);
    const first = await once();
    log('Running the same migration again (a delta run: only changed users are sent)…');
    const second = await once();

    const plaintexts = JSON.parse(await readFile(sample.plaintextsPath, 'utf8')) as Record<string, string>;
    const rows = parseCsv(await readFile(sample.csvPath, 'utf8'), { columns: true, relax_column_count: true }) as Array<
      Record<string, string>
    >;
    const random = seededRandom(options.seed + 1);
    const migratable = rows.filter((r) => r.id && plaintexts[r.id] && r.email && !r.email.endsWith('@mailinator.com'));
    const picks = Array.from({ length: options.loginSamples ?? 25 }, () => migratable[Math.floor(random() * migratable.length)]).flatMap(
      (r) => (r?.id && r.email ? [{ identifier: r.email, password: plaintexts[r.id] ?? '' }] : []),
    );
    const noPassword = rows.find((r) => r.id && !r.password_hash && r.email && r.email.includes('@example'));
    const proof = await proveLogins(emulator.url, picks, noPassword?.email);
    const ok =
      first.status === 'completed' &&
      first.staged.read === sample.expected.records &&
      proof.succeeded === proof.tried &&
      proof.wrongPasswordRefused &&
      proof.mustResetReported !== false &&
      second.delivered.created + second.delivered.updated === 0;
    return { first, second, expected: sample.expected, proof, ok };
  } finally {
    await emulator.close();
  }
}

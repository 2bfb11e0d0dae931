import { InvalidArgumentError, Option, type Command } from 'commander';
import { CIDAAS_SCOPES, startCidaasEmulator, type CidaasEmulatorInput, type CustomFieldSpec, type CustomFieldType } from '../emulators/cidaas/index.ts';
import { CLOUDENTITY_SCOPES, startCloudentityEmulator, type CloudentityEmulatorInput } from '../emulators/cloudentity/index.ts';
import type { EmulatorHandle, FaultOptions } from '../emulators/shared/types.ts';

interface EmulatorCliOptions {
  host: string;
  port?: number;
  latencyMs?: number;
  jitterMs?: number;
  maxConcurrency?: number;
  capacity?: number;
  rateLimit?: number;
  burst?: number;
  faultRate?: number;
  dropRate?: number;
  slowRate?: number;
  slowMs?: number;
  userFailureRate?: number;
  seed?: number;
  record?: string;
  clientId: string;
  clientSecret: string;
  scopes?: string;
  migrationMode: boolean;
  strict50?: boolean;
  envelope?: 'standard' | 'top-level';
  stateField?: string;
  invalidEmail?: 'per-user' | 'request';
  bulkReimport?: 'merge' | 'replace';
  bulkUnassign?: 'null-or-empty' | 'empty';
  customField: string[];
  graceSeconds?: number;
  customVerifierUrl?: string;
  customVerifierAuth?: 'client-credentials' | 'bearer' | 'basic' | 'none';
  customVerifierClientId?: string;
  customVerifierClientSecret?: string;
  customVerifierTokenUrl?: string;
  customVerifierToken?: string;
  customVerifierAction?: 'query' | 'none';
  tenant?: string;
  pool: string[];
  batchCap?: number;
  requiredFields?: 'spec' | 'docs';
  reimportRecords?: 'replace' | 'merge';
}

const DEFAULT_PORTS = { cidaas: 4010, cloudentity: 4020 } as const;
const FIELD_TYPES: readonly CustomFieldType[] = ['string', 'number', 'boolean', 'date', 'array', 'object', 'username'];

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer is expected');
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('a fraction between 0 and 1 is expected');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function customFields(specs: string[]): Record<string, CustomFieldSpec> {
  const out: Record<string, CustomFieldSpec> = {};
  for (const spec of specs) {
    const [name, type = 'string', state] = spec.split(':');
    if (name === undefined || name === '' || !FIELD_TYPES.includes(type as CustomFieldType)) {
      throw new InvalidArgumentError(`--custom-field ${spec}: NAME[:${FIELD_TYPES.join('|')}][:disabled] expected`);
    }
    out[name] = { type: type as CustomFieldType, enabled: state !== 'disabled' };
  }
  return out;
}

function faults(o: EmulatorCliOptions): Partial<FaultOptions> {
  const f: Partial<FaultOptions> = {};
  const set = <K extends keyof FaultOptions>(key: K, value: FaultOptions[K] | undefined): void => {
    if (value !== undefined) f[key] = value;
  };
  set('latencyMs', o.latencyMs);
  set('jitterMs', o.jitterMs);
  set('maxConcurrency', o.maxConcurrency);
  set('capacity', o.capacity);
  set('rateLimit', o.rateLimit);
  set('burst', o.burst);
  set('faultRate', o.faultRate);
  set('dropRate', o.dropRate);
  set('slowRate', o.slowRate);
  set('slowMs', o.slowMs);
  set('userFailureRate', o.userFailureRate);
  set('seed', o.seed);
  return f;
}

/** How the emulator calls the verifier (see emulators/cidaas/custom-verifier.ts); credentials must fit the auth chosen. */
function customVerifier(o: EmulatorCliOptions, url: string): NonNullable<CidaasEmulatorInput['customVerifier']> {
  const auth = o.customVerifierAuth ?? (o.customVerifierToken !== undefined ? 'bearer' : 'client-credentials');
  const hasClient = o.customVerifierClientId !== undefined && o.customVerifierClientSecret !== undefined;
  if ((auth === 'client-credentials' || auth === 'basic') && !hasClient) {
    throw new InvalidArgumentError(
      `--custom-verifier-url with --custom-verifier-auth ${auth} needs --custom-verifier-client-id and --custom-verifier-client-secret ` +
        '(the verifier\'s --client-id/--client-secret), or --custom-verifier-token, or --custom-verifier-auth none',
    );
  }
  if (auth === 'bearer' && o.customVerifierToken === undefined) throw new InvalidArgumentError('--custom-verifier-auth bearer needs --custom-verifier-token');
  return {
    url,
    auth,
    action: o.customVerifierAction ?? 'query',
    ...(o.customVerifierClientId !== undefined ? { clientId: o.customVerifierClientId } : {}),
    ...(o.customVerifierClientSecret !== undefined ? { clientSecret: o.customVerifierClientSecret } : {}),
    ...(o.customVerifierTokenUrl !== undefined ? { tokenUrl: o.customVerifierTokenUrl } : {}),
    ...(o.customVerifierToken !== undefined ? { token: o.customVerifierToken } : {}),
  };
}

async function start(kind: 'cidaas' | 'cloudentity', o: EmulatorCliOptions): Promise<EmulatorHandle> {
  const common = { host: o.host, port: o.port ?? DEFAULT_PORTS[kind], faults: faults(o), record: o.record };
  if (kind === 'cidaas') {
    const scopes = o.scopes !== undefined ? o.scopes.split(/[\s,]+/).filter(Boolean) : [...CIDAAS_SCOPES];
    const input: CidaasEmulatorInput = {
      ...common,
      clients: [{ clientId: o.clientId, clientSecret: o.clientSecret, scopes, migrationMode: o.migrationMode }],
      strict50: o.strict50 ?? false,
      customFields: customFields(o.customField),
    };
    if (o.envelope !== undefined) input.envelope = o.envelope;
    if (o.stateField !== undefined) input.stateField = o.stateField;
    if (o.invalidEmail !== undefined) input.invalidEmailMode = o.invalidEmail;
    if (o.bulkReimport !== undefined) input.bulkReimport = o.bulkReimport;
    if (o.bulkUnassign !== undefined) input.bulkUnassign = o.bulkUnassign;
    if (o.graceSeconds !== undefined) input.deletionGraceSeconds = o.graceSeconds;
    if (o.customVerifierUrl !== undefined) input.customVerifier = customVerifier(o, o.customVerifierUrl);
    return startCidaasEmulator(input);
  }
  const scopes = o.scopes !== undefined ? o.scopes.split(/[\s,]+/).filter(Boolean) : [...CLOUDENTITY_SCOPES];
  const input: CloudentityEmulatorInput = { ...common, clients: [{ clientId: o.clientId, clientSecret: o.clientSecret, scopes }] };
  if (o.tenant !== undefined) input.tenant = o.tenant;
  if (o.pool.length > 0) input.pools = o.pool;
  if (o.batchCap !== undefined) input.batchCap = o.batchCap;
  if (o.requiredFields !== undefined) input.requiredFields = o.requiredFields;
  if (o.reimportRecords !== undefined) input.reimportRecords = o.reimportRecords;
  return startCloudentityEmulator(input);
}

/** `ciam-migrate emulator cidaas|cloudentity …`: runs one emulator until SIGINT/SIGTERM. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('run a local, contract-faithful cidaas or Cloudentity API with fault injection (for rehearsals and tests)')
    .addArgument(program.createArgument('<target>', 'cidaas or cloudentity').choices(['cidaas', 'cloudentity']))
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port; default 4010 cidaas, 4020 cloudentity)', int)
    .option('--latency-ms <n>', 'fixed delay added to every API response', int)
    .option('--jitter-ms <n>', 'random extra delay in [0, n)', int)
    .option('--max-concurrency <n>', 'requests in flight above n answer 429', int)
    .option('--capacity <n>', 'requests served at once; more wait their turn (a backend that queues instead of refusing)', int)
    .option('--rate-limit <n>', 'requests per second (token bucket); excess answers 429', int)
    .option('--burst <n>', 'bucket size for --rate-limit (default = rate)', int)
    .option('--fault-rate <f>', 'fraction of API requests answered with a 5xx', rate)
    .option('--drop-rate <f>', 'fraction of API requests whose connection is dropped', rate)
    .option('--slow-rate <f>', 'fraction of API requests answered very slowly', rate)
    .option('--slow-ms <n>', 'delay of a very slow response', int)
    .option('--user-failure-rate <f>', 'fraction of users rejected (sticky per user id)', rate)
    .option('--seed <n>', 'seed for every random fault decision', int)
    .option('--record <dir>', 'write every request body to a file in DIR (contains password hashes)')
    .option('--client-id <id>', 'OAuth2 client id', 'ciam-migrate')
    .addOption(new Option('--client-secret <secret>', 'OAuth2 client secret').env('CIAM_MIGRATE_EMULATOR_CLIENT_SECRET').default('ciam-migrate-secret'))
    .option('--scopes <list>', 'scopes of the client, comma separated (default: all of the target)')
    .option('--no-migration-mode', 'cidaas: the client may not overwrite an existing password')
    .option('--strict-50', 'cidaas: reject bulk requests above 50 users (413)')
    .addOption(new Option('--envelope <kind>', 'cidaas: bulk response envelope').choices(['standard', 'top-level']))
    .option('--state-field <name>', 'cidaas: name of the per-user state field in process_states')
    .addOption(new Option('--invalid-email <mode>', 'cidaas: invalid email fails the user (200) or the request (417)').choices(['per-user', 'request']))
    .addOption(new Option('--bulk-reimport <mode>', 'cidaas: a bulk re-import merges into the user or replaces it').choices(['merge', 'replace']))
    .addOption(new Option('--bulk-unassign <values>', 'cidaas: which values unassign a field in a bulk re-import').choices(['null-or-empty', 'empty']))
    .option('--custom-field <spec>', 'cidaas: a custom field NAME[:TYPE][:disabled]; repeatable', collect, [])
    .option('--grace-seconds <n>', 'cidaas: grace period of scheduled deletions', int)
    .option('--custom-verifier-url <url>', 'cidaas: verifier service for CUSTOM_* algorithms (e.g. http://127.0.0.1:8089/verify)')
    .addOption(
      new Option('--custom-verifier-auth <how>', 'cidaas: how to authenticate to the verifier (default: client-credentials, or bearer with --custom-verifier-token)').choices([
        'client-credentials',
        'bearer',
        'basic',
        'none',
      ]),
    )
    .option('--custom-verifier-client-id <id>', "cidaas: the verifier's OAuth2 client id")
    .addOption(new Option('--custom-verifier-client-secret <secret>', "cidaas: the verifier's OAuth2 client secret").env('CIAM_MIGRATE_EMULATOR_VERIFIER_SECRET'))
    .option('--custom-verifier-token-url <url>', "cidaas: the verifier's token endpoint (default: /token at its origin)")
    .addOption(new Option('--custom-verifier-token <token>', 'cidaas: static bearer token for the verifier').env('CIAM_MIGRATE_EMULATOR_VERIFIER_TOKEN'))
    .addOption(new Option('--custom-verifier-action <how>', 'cidaas: append ?action=compare (query, documented) or call the URL as it is (none)').choices(['query', 'none']))
    .option('--tenant <tid>', 'cloudentity: tenant id', 'default')
    .option('--pool <id>', 'cloudentity: identity pool id; repeatable (default default-pool)', collect, [])
    .option('--batch-cap <n>', 'cloudentity: users per import request', int)
    .addOption(new Option('--required-fields <set>', 'cloudentity: required fields of the spec or of the docs').choices(['spec', 'docs']))
    .addOption(new Option('--reimport-records <mode>', 'cloudentity: a re-imported record replaces the stored one or merges into it').choices(['replace', 'merge']))
    .action(async (target: 'cidaas' | 'cloudentity', o: EmulatorCliOptions) => {
      let emu: EmulatorHandle;
      try {
        emu = await start(target, o);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        process.stderr.write(`emulator: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      // The secret is never printed; only where to find the emulator and who may call it.
      console.log(`${target} emulator listening on ${emu.url} (client ${o.clientId}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await emu.close();
    });
}

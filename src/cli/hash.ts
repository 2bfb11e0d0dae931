import { Option, type Command } from 'commander';
import {
  exceededLimit,
  identify,
  parseHashLimitFlags,
  resolveHashLimits,
  UnsupportedHashError,
  verify,
  type HashHint,
  type HashLimits,
} from '../hashes/index.ts';
import type { PasswordHash } from '../model/index.ts';
import { targetKind, targetKindNames, type TargetKindName } from '../targets/registry.ts';
import { EXIT } from './exit-codes.ts';

/** Options shared by `hash …` and `verifier`: what the config's mapping.password would say. */
export interface HintOptions {
  format?: string;
  salt?: string;
  saltEncoding?: 'utf8' | 'hex' | 'base64';
  saltPosition?: 'prefix' | 'suffix';
  encoding?: 'hex' | 'base64';
  iterations?: string;
  key?: string;
  keyEncoding?: 'utf8' | 'hex' | 'base64';
  firebaseSignerKey?: string;
  firebaseSaltSeparator?: string;
  firebaseRounds?: string;
  firebaseMemCost?: string;
}

export function addHintOptions(cmd: Command): Command {
  return cmd
    .option('--format <name>', 'format of a bare digest (md5, sha256, hmac-sha256, pbkdf2-sha256, scrypt:N=16384,r=8,p=1, firebase-scrypt, …)')
    .option('--salt <value>', 'separate salt value')
    .addOption(new Option('--salt-encoding <enc>', 'encoding of --salt').choices(['utf8', 'hex', 'base64']))
    .addOption(new Option('--salt-position <pos>', 'salt before or after the password').choices(['prefix', 'suffix']))
    .addOption(new Option('--encoding <enc>', 'encoding of a bare digest').choices(['hex', 'base64']))
    .option('--iterations <n>', 'PBKDF2 iterations (or scrypt N) for a bare derived key')
    .addOption(new Option('--key <key>', 'HMAC key (pepper)').env('CIAM_MIGRATE_HASH_KEY'))
    .addOption(new Option('--key-encoding <enc>', 'encoding of --key').choices(['utf8', 'hex', 'base64']))
    .addOption(new Option('--firebase-signer-key <b64>', 'Firebase base64_signer_key').env('CIAM_MIGRATE_FIREBASE_SIGNER_KEY'))
    .option('--firebase-salt-separator <b64>', 'Firebase base64_salt_separator', 'Bw==')
    .option('--firebase-rounds <n>', 'Firebase rounds')
    .option('--firebase-mem-cost <n>', 'Firebase mem_cost');
}

export function hintFromOptions(o: HintOptions): HashHint {
  const hint: HashHint = {};
  if (o.format) hint.format = o.format;
  if (o.salt !== undefined) hint.salt = o.salt;
  if (o.saltEncoding) hint.saltEncoding = o.saltEncoding;
  if (o.saltPosition) hint.saltPosition = o.saltPosition;
  if (o.encoding) hint.encoding = o.encoding;
  if (o.iterations) hint.iterations = Number(o.iterations);
  if (o.key !== undefined) hint.key = o.key;
  if (o.keyEncoding) hint.keyEncoding = o.keyEncoding;
  if (o.firebaseSignerKey) {
    hint.firebase = {
      signerKey: o.firebaseSignerKey,
      saltSeparator: o.firebaseSaltSeparator ?? 'Bw==',
      rounds: Number(o.firebaseRounds ?? 8),
      memCost: Number(o.firebaseMemCost ?? 14),
    };
  }
  return hint;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--hash-limit NAME=VALUE` (repeatable): raise or lower a bound of src/hashes/limits.ts. */
export function addLimitOptions(cmd: Command): Command {
  return cmd.option(
    '--hash-limit <name=value>',
    'bound on a hash cost parameter checked before verifying, repeatable (e.g. bcryptCost=16, argon2MemoryKiB=524288, phpassLog2Rounds=20)',
    collect,
    [],
  );
}

export function limitsFromOptions(o: { hashLimit?: string[] }): HashLimits {
  return resolveHashLimits(parseHashLimitFlags(o.hashLimit ?? []));
}

/** Parameters that hold secrets or the hash itself: never printed. */
const SECRET_PARAMS = new Set(['key', 'signerKey', 'mcf', 'phc']);

/** What `identify` prints: the shape of the hash, never its value. */
export function describeHash(h: PasswordHash): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h.params)) params[k] = SECRET_PARAMS.has(k) ? '(redacted)' : v;
  return {
    format: h.format,
    algorithm: h.algorithm,
    params,
    saltBytes: h.salt === undefined ? 0 : Buffer.from(h.salt, 'base64').length,
    length: h.encoded.length,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

/** `-` reads the hash from stdin, which keeps it out of the process list and shell history. */
async function hashArg(value: string): Promise<string> {
  return value === '-' ? (await readStdin()).replace(/\r?\n$/, '') : value;
}

function out(json: boolean | undefined, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
}

function fail(json: boolean | undefined, reason: string, code: number): void {
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, reason }, null, 2)}\n`);
  else process.stderr.write(`${reason}\n`);
  process.exitCode = code;
}

type Common = HintOptions & { json?: boolean };

export function registerHashCommand(program: Command): void {
  const hash = program.command('hash').description('work with one password hash string (identify, verify, convert)');

  addHintOptions(
    hash
      .command('identify')
      .description('say which legacy format a hash is (exit 0), or why it is not recognised (exit 2); HASH "-" reads stdin')
      .argument('<hash>', 'the stored value, or - to read it from stdin')
      .option('--json', 'print as JSON'),
  ).action(async (value: string, o: Common) => {
    const r = identify(await hashArg(value), hintFromOptions(o));
    if (!r.ok) return fail(o.json, r.reason, EXIT.usage);
    const d = describeHash(r.hash);
    const params = Object.entries(d.params as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    out(o.json, { ok: true, ...d }, `${r.hash.format} (${r.hash.algorithm})${params ? ` ${params}` : ''}, salt ${String(d.saltBytes)} bytes`);
  });

  addLimitOptions(
    addHintOptions(
      hash
        .command('verify')
        .description('check a password read from stdin against a hash: exit 0 match, 1 no match, 2 unrecognised, above the cost limits, or wrong call')
        .argument('<hash>', 'the stored value')
        .option('--password-stdin', 'read the password from stdin (one trailing newline is ignored)')
        .option('--json', 'print as JSON'),
    ),
  ).action(async (value: string, o: Common & { passwordStdin?: boolean; hashLimit?: string[] }) => {
    if (!o.passwordStdin) return fail(o.json, 'the password must come from stdin: add --password-stdin', EXIT.usage);
    if (value === '-') return fail(o.json, 'stdin carries the password; pass the hash as an argument', EXIT.usage);
    let limits: HashLimits;
    try {
      limits = limitsFromOptions(o);
    } catch (e) {
      return fail(o.json, (e as Error).message, EXIT.usage);
    }
    const r = identify(value, hintFromOptions(o));
    if (!r.ok) return fail(o.json, r.reason, EXIT.usage);
    // Refused before reading the password or spending anything on it (bcrypt cost 31 runs for days).
    const tooCostly = exceededLimit(r.hash, limits);
    if (tooCostly) return fail(o.json, tooCostly.message, EXIT.usage);
    const password = (await readStdin()).replace(/\r?\n$/, '');
    let match: boolean;
    try {
      match = await verify(r.hash, password, limits);
    } catch (e) {
      return fail(o.json, e instanceof UnsupportedHashError ? e.message : 'verification failed', EXIT.usage);
    }
    out(o.json, { ok: true, match, format: r.hash.format, algorithm: r.hash.algorithm }, match ? 'match' : 'no match');
    process.exitCode = match ? EXIT.ok : 1;
  });

  const convert = hash
    .command('convert')
    .description('print the target payload for a hash (exit 0), or why the target cannot take it (exit 1; 2 if unrecognised). The output contains the hash.')
    .argument('<hash>', 'the stored value, or - to read it from stdin')
    .addOption(new Option('--to <target>', 'target').choices(targetKindNames).makeOptionMandatory());
  // Each target kind may add flags of its own (cidaas: --cidaas-id); they reach its encode by name.
  for (const name of targetKindNames) for (const opt of targetKind(name).convert.options) convert.option(opt.flags, opt.description);
  addHintOptions(convert.option('--json', 'print as JSON')).action(async (value: string, o: Common & { to: TargetKindName } & Record<string, unknown>) => {
    const r = identify(await hashArg(value), hintFromOptions(o));
    if (!r.ok) return fail(o.json, r.reason, EXIT.usage);
    const { convert: c } = targetKind(o.to);
    const e = c.encode(r.hash, o);
    if (!e.ok) return fail(o.json, `${o.to} cannot take ${r.hash.format} (${r.hash.algorithm}): ${e.reason}`, 1);
    out(o.json, { ok: true, target: o.to, format: r.hash.format, [c.field]: e.value }, JSON.stringify({ [c.field]: e.value }, null, 2));
  });
}

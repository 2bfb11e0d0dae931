import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { interpolate, InterpolationError, type OnMissingVariable } from './interpolate.ts';
import { MigrationConfig } from './schema.ts';
import { registerConfigSecrets } from './secrets.ts';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  switch (issue.code) {
    case 'invalid_type':
      return `${where}: expected ${issue.expected}${issue.message.includes('received') ? ` (${issue.message.split('received ')[1] ?? ''} given)` : ''}`;
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) return `${where}: ${issue.message}`;
      return `${where}: ${issue.message}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

export interface LoadOptions {
  /**
   * The command never contacts the target or reads the source (`status`, `report`): their
   * credentials may be unset. A `${VAR}` left unset there becomes a placeholder instead of an error;
   * the ledger's and inbox's own settings must still resolve.
   */
  offline?: boolean;
}

/** Sections an offline command never uses, so their variables may be unset. */
const OFFLINE_SECTIONS = /^(target|source|mapping|sync\.inputs)(\.|\[|$)/;

const offlinePlaceholder: OnMissingVariable = (at, variable, wholeValue) => {
  if (!OFFLINE_SECTIONS.test(at)) return undefined;
  const name = `unset-${variable.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  // A URL made of the variable alone must still parse: a host that can never resolve.
  return wholeValue && /(^|\.)(baseUrl|url|\w+Url)$/.test(at) ? `https://${name}.invalid` : name;
};

/** Parse, interpolate and validate a migration config; relative paths resolve against the file. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): MigrationConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) throw new ConfigError(file, [`YAML syntax: ${err.message}`]);
    throw err;
  }
  if (raw === null || typeof raw !== 'object') throw new ConfigError(file, ['expected a YAML mapping at the top level']);
  let interpolated: unknown;
  try {
    interpolated = interpolate(raw, env, '', options.offline ? offlinePlaceholder : undefined);
  } catch (err) {
    if (err instanceof InterpolationError) throw new ConfigError(file, [err.message]);
    throw err;
  }
  const result = MigrationConfig.safeParse(interpolated);
  if (!result.success) throw new ConfigError(file, result.error.issues.map(describeIssue));
  // From here on, no text this process shows can carry one of the config's credentials.
  registerConfigSecrets(result.data);
  return resolvePaths(result.data, path.dirname(path.resolve(file)));
}

function resolvePaths(config: MigrationConfig, dir: string): MigrationConfig {
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(dir, p));
  const source = 'path' in config.source ? { ...config.source, path: abs(config.source.path) } : config.source;
  const ledger = config.ledger ?? { kind: 'sqlite' as const, path: `.ciam-migrate/${config.name}.sqlite` };
  const sync = config.sync && {
    ...config.sync,
    inputs: config.sync.inputs.map((i) => (i.kind === 'file' ? { ...i, path: abs(i.path) } : i)),
    ...(config.sync.inbox?.path ? { inbox: { ...config.sync.inbox, path: abs(config.sync.inbox.path) } } : {}),
  };
  return {
    ...config,
    source,
    ledger: ledger.kind === 'sqlite' ? { ...ledger, path: abs(ledger.path) } : ledger,
    mapping: config.mapping.module ? { ...config.mapping, module: abs(config.mapping.module) } : config.mapping,
    ...(sync ? { sync } : {}),
  };
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<MigrationConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfig(text, file, env, options);
}

import type { CloudentityTargetConfig } from './config.ts';
import type { User } from '../../model/index.ts';
import { isPasswordHash } from '../../model/index.ts';
import { plural, probeToken, readSetup, scopeProblems, UsageCounter, valueKind } from '../common/preflight.ts';
import type { TargetSession } from '../common/session.ts';
import { isObj, type Obj } from '../common/view.ts';
import type { PreflightProblem, TargetPreflight } from '../target.ts';
import { cloudentityAuthAdvice } from './auth-advice.ts';
import { CLOUDENTITY_HASH_FAMILIES } from './capabilities.ts';
import { ceMetadata, cePayload, type BuildContext } from './payload.ts';

/** Function names the encoder and the emulator take for sha/pbkdf2 (`SHA-256`, `sha256`, …). */
const HASH_FUNCTION = /^sha-?(1|224|256|384|512)$/i;

/** JSON Schema `type`s and the JSON kinds of values each admits. */
const SCHEMA_KINDS: Record<string, readonly string[]> = {
  string: ['string'],
  number: ['number'],
  integer: ['number'],
  boolean: ['boolean'],
  array: ['array'],
  object: ['object'],
  null: ['null'],
};

type Fetched = { kind: 'found'; body: Obj } | { kind: 'missing' } | { kind: 'unreadable'; reason: string };

/**
 * Cloudentity's side of `plan`: the token and its scopes, the pool, the payload and metadata
 * schemas the users are validated against (a property the schema does not allow, or a required one
 * the users lack, fails the whole import of their batch), and the hash settings.
 */
export class CloudentityPreflight implements TargetPreflight {
  private readonly payload = new UsageCounter();
  private readonly metadata = new UsageCounter();
  private readonly methods = new UsageCounter();
  private users = 0;
  private passwordUsers = 0;
  private pool: Obj | undefined;
  private identityScope = true;

  constructor(
    private readonly session: TargetSession,
    private readonly config: CloudentityTargetConfig,
    private readonly systemPrefix: string,
    private readonly ctx: BuildContext,
  ) {}

  async probe(): Promise<PreflightProblem[]> {
    const c = this.config;
    const advice = cloudentityAuthAdvice(c.clientId, c.tenantId);
    const token = await probeToken(
      'cloudentity',
      this.session.http,
      {
        tokenPath: (c.tokenPath ?? '/{tid}/system/oauth2/token').replaceAll('{tid}', encodeURIComponent(c.tenantId)),
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        scopes: c.scopes,
        auth: c.tokenAuth,
      },
      advice.badClient,
    );
    if (!token.ok) return [token.problem];
    const grant = (scope: string) => `In the System workspace of tenant "${c.tenantId}", grant scope ${scope} to the Service client "${c.clientId}".`;
    const problems = scopeProblems('cloudentity', token.scopes, [
      { scope: 'manage_configuration', severity: 'error', without: 'run cannot import a single user (every import answers 403)', remedy: grant('manage_configuration') },
      { scope: 'identity', severity: 'warning', without: 'verify, plan\'s pool and schema checks and the sync\'s per-user changes cannot work', remedy: grant('identity') },
    ]);
    if (token.scopes !== undefined && !token.scopes.has('identity')) {
      this.identityScope = false;
      return problems;
    }
    const pool = await this.get(`/system/pools/${encodeURIComponent(c.poolId)}`);
    if (pool.kind === 'missing') {
      problems.push({
        key: 'pool-missing',
        severity: 'error',
        message: `identity pool ${c.poolId} does not exist in tenant ${c.tenantId}: every import would be refused`,
        remedy: 'create the pool first, or fix target.poolId',
      });
    } else if (pool.kind === 'unreadable') {
      problems.push({ key: 'pool-unreadable', severity: 'warning', message: `identity pool ${c.poolId} could not be read (${pool.reason})` });
    } else this.pool = pool.body;
    for (const [k, v] of Object.entries(c.hashEncoding.shaFunctions ?? {}).concat(Object.entries(c.hashEncoding.pbkdf2Functions ?? {}))) {
      if (typeof v === 'string' && !HASH_FUNCTION.test(v)) {
        problems.push({ key: `hash-function:${k}`, severity: 'error', message: `target.hashEncoding function ${JSON.stringify(v)} (for ${k}) is not a hash function Cloudentity knows`, remedy: 'use SHA-1, SHA-256, SHA-512 or sha1, sha256, sha512' });
      }
    }
    for (const a of c.hashAlgorithms ?? []) {
      if (!CLOUDENTITY_HASH_FAMILIES.includes(a)) {
        problems.push({ key: `hash-algorithm:${a}`, severity: 'error', message: `target.hashAlgorithms names ${a}, which no Cloudentity hash method (bcrypt, pbkdf2, argon2, sha, md5) takes`, remedy: 'remove it from target.hashAlgorithms' });
      }
    }
    return problems;
  }

  inspect(user: User): void {
    this.users += 1;
    for (const [k, v] of Object.entries(cePayload(user, this.config))) this.payload.add(k, valueKind(v));
    for (const [k, v] of Object.entries(ceMetadata(user, this.config))) this.metadata.add(k, valueKind(v));
    if (isPasswordHash(user.password)) {
      this.passwordUsers += 1;
      const encoded = this.ctx.encode(user.password);
      if (encoded.ok) this.methods.add(encoded.value.config.method);
    }
  }

  async finish(): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = [];
    const pool = this.pool;
    if (!this.identityScope || pool === undefined) return problems;
    const mechanisms = pool['authentication_mechanisms'];
    if (Array.isArray(mechanisms) && !mechanisms.includes('password') && this.passwordUsers > 0) {
      problems.push({
        key: 'pool-no-password',
        severity: 'warning',
        users: this.passwordUsers,
        message: `identity pool ${this.config.poolId} does not offer password login (authentication_mechanisms: ${mechanisms.join(', ')}): imported passwords would not be usable`,
        remedy: 'add password to the pool\'s authentication mechanisms',
      });
    }
    const schemas: Array<{ role: 'payload' | 'metadata'; id: unknown; usage: UsageCounter }> = [
      { role: 'payload', id: this.config.payloadSchemaId ?? pool['payload_schema_id'], usage: this.payload },
      { role: 'metadata', id: this.config.metadataSchemaId ?? pool['metadata_schema_id'], usage: this.metadata },
    ];
    for (const { role, id, usage } of schemas) {
      if (typeof id !== 'string' || id === '') continue;
      const schema = await this.get(`/system/schemas/${encodeURIComponent(id)}`);
      if (schema.kind === 'missing') {
        problems.push({ key: `schema-missing:${id}`, severity: 'error', users: this.users, message: `${role} schema ${id} does not exist: imports validated against it would be refused`, remedy: `create the schema, or fix target.${role}SchemaId` });
        continue;
      }
      if (schema.kind === 'unreadable') {
        problems.push({ key: `schema-unreadable:${id}`, severity: 'warning', message: `${role} schema ${id} could not be read (${schema.reason})` });
        continue;
      }
      problems.push(...schemaProblems(role, id, schema.body, usage, this.users));
    }
    return problems;
  }

  private async get(path: string): Promise<Fetched> {
    const read = await readSetup(this.session, `${this.systemPrefix}${path}`);
    if (read.kind !== 'found') return read;
    return isObj(read.body) ? { kind: 'found', body: read.body } : { kind: 'unreadable', reason: 'not a JSON object' };
  }
}

/** Properties a schema (`Schema.schema`, a JSON Schema object) forbids, requires or types differently. */
function schemaProblems(role: string, id: string, schemaRec: Obj, usage: UsageCounter, users: number): PreflightProblem[] {
  const schema = isObj(schemaRec['schema']) ? schemaRec['schema'] : schemaRec;
  const properties = isObj(schema['properties']) ? schema['properties'] : {};
  const problems: PreflightProblem[] = [];
  if (schema['additionalProperties'] === false) {
    for (const [key, n] of usage.users) {
      if (Object.hasOwn(properties, key)) continue;
      problems.push({
        key: `schema-property:${id}:${key}`,
        severity: 'error',
        users: n,
        message: `${role} schema ${id} does not allow property ${key}: imports of users carrying it would be refused (422)`,
        remedy: `add ${key} to the schema, or map the attribute away${role === 'payload' ? ' (or set target.attributesIn: metadata)' : ''}`,
      });
    }
  }
  if (Array.isArray(schema['required'])) {
    for (const key of schema['required']) {
      if (typeof key !== 'string') continue;
      const lacking = users - (usage.users.get(key) ?? 0);
      if (lacking > 0) {
        problems.push({ key: `schema-required:${id}:${key}`, severity: 'error', users: lacking, message: `${role} schema ${id} requires ${key}, which ${plural(lacking, 'user')} lack: their imports would be refused (422)`, remedy: `map a value to ${key}, or make it optional in the schema` });
      }
    }
  }
  for (const [key, prop] of Object.entries(properties)) {
    if (!isObj(prop) || typeof prop['type'] !== 'string') continue;
    const accepts = SCHEMA_KINDS[prop['type']];
    if (accepts === undefined) continue;
    const wrong = usage.mismatched(key, (kind) => accepts.includes(kind));
    if (wrong > 0) {
      problems.push({ key: `schema-type:${id}:${key}`, severity: 'error', users: wrong, message: `${role} schema ${id} types ${key} as ${prop['type']}, but the source has other values for it: those users' imports would be refused (422)`, remedy: 'convert the attribute in the mapping (transform)' });
    }
  }
  return problems;
}

import type { CidaasTargetConfig } from './config.ts';
import type { User } from '../../model/index.ts';
import { plural, probeToken, readSetup, scopeProblems, UsageCounter, valueKind, type ScopeNeed } from '../common/preflight.ts';
import type { TargetSession } from '../common/session.ts';
import { isObj } from '../common/view.ts';
import type { PreflightProblem, TargetPreflight } from '../target.ts';
import { cidaasAuthAdvice } from './auth-advice.ts';
import { planPassword } from './payload.ts';

/** Field lookups per plan: a source with more custom attribute names than this is checked for the first ones. */
const MAX_FIELDS = 200;

/**
 * The `algorithmTypeId`s cidaas documents (contracts/cidaas.md §3.3). A tenant may have others, set
 * up by cidaas support; there is no API to list a tenant's algorithms, so others are a warning.
 */
const DOCUMENTED_ALGORITHM = /^(BCRYPT_([1-9]|1\d|20)|SHA1|SHA256|PBKDF2[A-Z0-9_-]*|ARGON[A-Z0-9_-]*|HMAC[A-Z0-9_-]*|CUSTOM_.+)$/;

/**
 * Field setup data types (Terraform provider `cidaas_registration_field`, `data_type`) and the JSON
 * kinds of values each takes. A type not listed here is not judged.
 */
const ACCEPTS: Record<string, readonly string[]> = {
  TEXT: ['string'],
  TEXTAREA: ['string'],
  EMAIL: ['string'],
  URL: ['string'],
  MOBILE: ['string'],
  PASSWORD: ['string'],
  SELECT: ['string'],
  RADIO: ['string'],
  USERNAME: ['string'],
  DATE: ['string'],
  DAYDATE: ['string'],
  JSON_STRING: ['string', 'object'],
  NUMBER: ['number'],
  CHECKBOX: ['boolean'],
  CONSENT: ['boolean'],
  MULTISELECT: ['array'],
  ARRAY: ['array'],
  GROUPING: ['object'],
};

/**
 * cidaas' side of `plan`: the token and its scopes, the custom fields the source fills (they must
 * exist and be enabled with a matching type, or cidaas refuses the user, or drops a disabled field's
 * value silently: contracts/cidaas.md §3.2) and the algorithmTypeIds the hashes would carry.
 */
export class CidaasPreflight implements TargetPreflight {
  private readonly fields = new UsageCounter();
  private readonly algorithms = new UsageCounter();
  private canReadFields = true;

  constructor(
    private readonly session: TargetSession,
    private readonly config: CidaasTargetConfig,
  ) {}

  async probe(): Promise<PreflightProblem[]> {
    const advice = cidaasAuthAdvice(this.config.clientId);
    const token = await probeToken(
      'cidaas',
      this.session.http,
      {
        tokenPath: this.config.tokenPath ?? '/token-srv/token',
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        scopes: this.config.scopes,
        auth: this.config.tokenAuth,
      },
      advice.badClient,
    );
    if (!token.ok) return [token.problem];
    const grant = (scope: string) => `Grant scope ${scope} to the client "${this.config.clientId}" in the cidaas admin console (or ask cidaas support), then run plan again.`;
    const needs: ScopeNeed[] = [
      {
        scope: 'cidaas:bulk_user_create',
        severity: 'error',
        without: 'run cannot send a single user (every bulk call answers 403)',
        remedy: `Ask cidaas support to grant scope cidaas:bulk_user_create to the NON_INTERACTIVE client "${this.config.clientId}" (send them your issuer URL and the client id) and to enable migrationMode on it.`,
      },
      { scope: 'cidaas:users_read', severity: 'warning', without: 'verify cannot read users back', remedy: grant('cidaas:users_read') },
      this.config.deletes === 'purge'
        ? { scope: 'cidaas:users_delete', severity: 'warning', without: 'run --deletes and the sync cannot delete users', remedy: grant('cidaas:users_delete') }
        : { scope: 'cidaas:users_write', severity: 'warning', without: 'run --deletes and the sync cannot schedule deletions', remedy: grant('cidaas:users_write') },
    ];
    const problems = scopeProblems('cidaas', token.scopes, needs);
    if (token.scopes !== undefined && !token.scopes.has('cidaas:field_setup_read')) this.canReadFields = false;
    return problems;
  }

  inspect(user: User): void {
    for (const [key, value] of Object.entries(user.attributes)) this.fields.add(key, valueKind(value));
    if (this.config.displayNameField && user.name?.display !== undefined) this.fields.add(this.config.displayNameField, 'string');
    const plan = planPassword(user, this.config);
    if (plan.kind === 'hash') this.algorithms.add(plan.info.algorithmTypeId);
  }

  async finish(): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = [];
    for (const [id, users] of this.algorithms.users) {
      const m = /^BCRYPT_(\d+)$/.exec(id);
      if (m !== null && (Number(m[1]) < 1 || Number(m[1]) > 20)) {
        problems.push({ key: `algorithm:${id}`, severity: 'error', users, message: `algorithmTypeId ${id}: cidaas takes BCRYPT_1 to BCRYPT_20; these users would be refused`, remedy: 'fix target.hashAlgorithms' });
      } else if (!DOCUMENTED_ALGORITHM.test(id)) {
        problems.push({
          key: `algorithm:${id}`,
          severity: 'warning',
          users,
          message: `algorithmTypeId ${id} is not one cidaas documents; cidaas has no API that lists a tenant's hashing algorithms, so it could not be checked`,
          remedy: `ask cidaas support to confirm that ${id} is configured on the tenant (with its salt and pepper settings)`,
        });
      } else if (id.startsWith('CUSTOM_')) {
        problems.push({
          key: `algorithm:${id}`,
          severity: 'warning',
          users,
          message: `algorithmTypeId ${id} sends these users' logins to your verifier service; it must be configured on the tenant and reachable from cidaas`,
          remedy: 'ask cidaas support to point the algorithm at `ciam-migrate verifier`; see docs/config.md',
        });
      }
    }
    const keys = [...this.fields.users.keys()];
    if (keys.length === 0) return problems;
    if (!this.canReadFields) {
      problems.push({
        key: 'scope:cidaas:field_setup_read',
        severity: 'warning',
        message: `the client lacks scope cidaas:field_setup_read, so the ${plural(keys.length, 'custom field')} the source fills (${keys.slice(0, 10).join(', ')}) could not be checked against the field setup`,
        remedy: `grant cidaas:field_setup_read to "${this.config.clientId}", or check Field Settings by hand: each field must exist, be enabled, and have a matching type`,
      });
      return problems;
    }
    for (const key of keys.slice(0, MAX_FIELDS)) {
      const found = await this.fieldSetup(key);
      if (found.kind === 'unreadable') {
        problems.push({ key: `field-unreadable:${key}`, severity: 'warning', message: `custom field ${key}: the field setup could not be read (${found.reason})` });
        continue;
      }
      const users = this.fields.users.get(key) ?? 0;
      if (found.kind === 'missing') {
        problems.push({
          key: `field-missing:${key}`,
          severity: 'error',
          users,
          message: `custom field ${key} does not exist in the tenant's field setup: cidaas refuses every user that carries it`,
          remedy: `create ${key} in cidaas Field Settings (enabled, with the source's type), or map the attribute away`,
        });
        continue;
      }
      if (!found.enabled) {
        problems.push({
          key: `field-disabled:${key}`,
          severity: 'error',
          users,
          message: `custom field ${key} is disabled in the field setup: cidaas skips its value without an error, so it would be lost`,
          remedy: `enable ${key} in cidaas Field Settings`,
        });
        continue;
      }
      const accepts = ACCEPTS[found.dataType];
      if (accepts === undefined) continue;
      const wrong = this.fields.mismatched(key, (kind) => accepts.includes(kind));
      if (wrong > 0) {
        const kinds = [...(this.fields.kinds.get(key)?.keys() ?? [])].filter((k) => k !== 'null' && !accepts.includes(k));
        problems.push({
          key: `field-type:${key}`,
          severity: 'error',
          users: wrong,
          message: `custom field ${key} is of type ${found.dataType} in the field setup, but the source has ${kinds.join(' and ')} values for it: cidaas refuses those users`,
          remedy: `convert the attribute in the mapping (transform) or change the field's type`,
        });
      }
    }
    if (keys.length > MAX_FIELDS) {
      problems.push({ key: 'fields-unchecked', severity: 'warning', message: `${plural(keys.length - MAX_FIELDS, 'further custom field')} not checked (plan looks up ${MAX_FIELDS})` });
    }
    return problems;
  }

  /** `GET /registration-setup-srv/fields/flat/field/{key}` (Terraform provider `GetRegistrationField`). */
  private async fieldSetup(
    key: string,
  ): Promise<{ kind: 'found'; dataType: string; enabled: boolean } | { kind: 'missing' } | { kind: 'unreadable'; reason: string }> {
    const read = await readSetup(this.session, `/registration-setup-srv/fields/flat/field/${encodeURIComponent(key)}`);
    if (read.kind !== 'found') return read;
    const body = read.body;
    const data = isObj(body) && isObj(body['data']) ? body['data'] : undefined;
    if (data === undefined) return { kind: 'missing' };
    return {
      kind: 'found',
      dataType: typeof data['dataType'] === 'string' ? data['dataType'].toUpperCase() : '',
      enabled: data['enabled'] !== false,
    };
  }
}

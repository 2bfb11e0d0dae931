import type { CloudentityTargetConfig } from './config.ts';
import { HttpClient } from '../../delivery/http-client.ts';
import type { HttpResponse } from '../../delivery/http-client.ts';
import { clientCredentials } from '../../delivery/oauth-client-credentials.ts';
import { TokenCache } from '../../delivery/token-cache.ts';
import { encodeForCloudentity } from './wire/hash.ts';
import type { Outcome, User } from '../../model/index.ts';
import { upsertEncoded, type RefusedPayload } from '../common/upsert-encoded.ts';
import type { BatchResult } from '../common/bisect.ts';
import { isRetryableStatus, rejectionCode, retryableFrom } from '../common/classify.ts';
import { TargetSession } from '../common/session.ts';
import type { Exchange } from '../common/session.ts';
import { mapLimited, singleOutcome } from '../common/single-call.ts';
import { TargetConfigError } from '../errors.ts';
import type { EncodedPayload, EncodedPlannedUser, ReadableTarget, TargetCapabilities, TargetPreflight, TargetReader, TargetStats, UserEncoding, UserPreview } from '../target.ts';
import { cloudentityAuthAdvice } from './auth-advice.ts';
import { cloudentityCapabilities } from './capabilities.ts';
import { countMfaLost } from '../../hashes/totp.ts';
import { cloudentityUserId } from './ids.ts';
import { cloudentityTotp } from './totp.ts';
import { buildUserEntry, ceMetadata, cePayload, ceStatus, encodeEntry, tenantDumpText } from './payload.ts';
import type { BuildContext, EncodedEntry, EntryResult, PasswordPlan } from './payload.ts';
import { cloudentityErrorMessage } from './response.ts';
import type { CeEncoder, TenantDump } from './types.ts';
import { CloudentityPreflight } from './preflight.ts';
import { CloudentityReader } from './read.ts';

const DELETE_CONCURRENCY = 4;
/** The migration docs' "users keep existing passwords" value of a credential's `expires_at`. */
const NO_EXPIRY = '1900-01-01T00:00:00Z';

/** What `encode` makes of one user (see `Target.encode`). */
type EncodedCloudentityEntry = { kind: 'ok'; password: PasswordPlan } & EncodedEntry;
type EncodedCloudentityUser = EncodedCloudentityEntry | RefusedPayload;

function encoded(built: EntryResult): EncodedPayload {
  return built.ok
    ? ({ kind: 'ok', password: built.password, ...encodeEntry(built.entry) } satisfies EncodedCloudentityUser)
    : ({ kind: 'refused', reason: built.reason, code: built.code } satisfies EncodedCloudentityUser);
}

interface Entry extends EncodedEntry {
  sourceId: string;
  knownToTarget: boolean;
}

export interface CloudentityAdapterOptions {
  /** Replaces the hash encoder (tests; tenants with a verified non-default encoding). */
  encode?: CeEncoder;
  /** Called with every import body before it is sent (schema tests, dry runs). */
  onImportBody?: (body: TenantDump) => void;
  now?: () => string;
}

export class CloudentityAdapter implements ReadableTarget {
  readonly name = 'cloudentity';
  readonly capabilities: TargetCapabilities;
  private readonly session: TargetSession;
  private readonly prefix: string;
  private readonly importPath: string;
  private readonly systemPrefix: string;
  private readonly ctx: BuildContext;
  private readonly counters = { bisectionCalls: 0, unsupportedHashResets: 0, verifierHashes: 0 };

  constructor(
    private readonly config: CloudentityTargetConfig,
    private readonly options: CloudentityAdapterOptions = {},
  ) {
    this.capabilities = cloudentityCapabilities(config);
    const withTenant = (p: string) =>
      p.replaceAll('{tid}', encodeURIComponent(config.tenantId)).replace(/\/+$/, '');
    this.prefix = withTenant(config.pathPrefix);
    // `mode` is documented on the import PUT only in the 2022 spec (contracts/cloudentity.md §0.2);
    // the current spec's PUT always updates. Sent unless the tenant refuses it (`importMode: omit`).
    this.importPath = `${this.prefix}/configuration${config.importMode === 'omit' ? '' : `?mode=${config.importMode}`}`;
    this.systemPrefix = withTenant(config.systemApiPrefix);
    const http = new HttpClient({
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      connections: config.connections,
      keepAliveMs: config.keepAliveMs,
      ...(config.caFile ? { caFile: config.caFile } : {}),
    });
    const tokens = new TokenCache(
      clientCredentials(http, {
        tokenPath: (config.tokenPath ?? '/{tid}/system/oauth2/token').replaceAll(
          '{tid}',
          encodeURIComponent(config.tenantId),
        ),
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        scopes: config.scopes,
        auth: config.tokenAuth,
      }),
    );
    this.session = new TargetSession(
      this.name,
      http,
      tokens,
      cloudentityAuthAdvice(config.clientId, config.tenantId),
    );
    const encodeOptions = config.hashEncoding;
    this.ctx = {
      config,
      encode: options.encode ?? ((h) => encodeForCloudentity(h, encodeOptions)),
      now: options.now ?? (() => new Date().toISOString()),
    };
  }

  open(): Promise<void> {
    return this.session.open();
  }

  preview(user: User): UserPreview {
    return this.previewOf(user, buildUserEntry(user, this.ctx));
  }

  private previewOf(user: User, built: EntryResult): UserPreview {
    const mfa = countMfaLost(user.mfa, (f) => !cloudentityTotp(f, this.config.totp).lost);
    const base = { mfaFactors: mfa.factors, mfaLost: mfa.lost };
    if (!built.ok) return { ...base, password: 'reject', reason: built.reason };
    if (built.password === 'hash') return { ...base, password: 'import' };
    return { ...base, password: 'reset', reason: built.password === 'reset' ? 'no password' : 'unsupported hash' };
  }

  /** Builds the user's records and serialises them (on the staging thread in a bulk run). */
  encode(user: User): UserEncoding {
    const built = buildUserEntry(user, this.ctx);
    return { preview: this.previewOf(user, built), payload: encoded(built) };
  }

  /** The import replaces the user whole, so what the user lost (`removed`) needs no look. */
  upsert(users: EncodedPlannedUser[]): Promise<Outcome[]> {
    return upsertEncoded<EncodedCloudentityEntry, Entry>(users, {
      entry: (p, u) => {
        if (p.password === 'unsupported_reset') this.counters.unsupportedHashResets++;
        // A user the pool already has may have been imported with a forced reset (an expired
        // credential); a re-import that leaves `expires_at` out may keep it, so a real hash states the
        // migration docs' "keep the password" value. The password credential comes first (payload.ts).
        const credentials = u.knownToTarget && p.password === 'hash' ? `{"expires_at":"${NO_EXPIRY}",${p.credentials.slice(1)}` : p.credentials;
        return { sourceId: u.sourceId, knownToTarget: u.knownToTarget, user: p.user, credentials, identifiers: p.identifiers, addresses: p.addresses };
      },
      send: (items) => this.sendImport(items),
      onBisectionCall: () => this.counters.bisectionCalls++,
    });
  }

  /** One user through the import, the only API that takes a password hash. */
  private async upsertOne(user: User, knownToTarget: boolean): Promise<Outcome> {
    const [o] = await this.upsert([{ sourceId: user.sourceId, knownToTarget, payload: this.encode(user).payload }]);
    return o ?? { sourceId: user.sourceId, kind: 'retryable', reason: 'no outcome' };
  }

  private async sendImport(items: Entry[]): Promise<BatchResult> {
    const body = tenantDumpText(items);
    this.options.onImportBody?.(JSON.parse(body) as TenantDump);
    const ex = await this.session.send({ method: 'PUT', path: this.importPath, jsonText: body });
    if (ex.kind === 'retryable') return ex;
    const { res } = ex;
    if (res.status >= 200 && res.status < 300) {
      return {
        kind: 'outcomes',
        outcomes: items.map((i) => ({
          sourceId: i.sourceId,
          kind: 'ok',
          action: i.knownToTarget ? 'updated' : 'created',
        })),
      };
    }
    const { message } = cloudentityErrorMessage(res.text, res.status);
    if (isRetryableStatus(res.status)) return retryableFrom(res, message);
    if (res.status === 404) {
      throw new TargetConfigError(
        this.name,
        `${this.prefix}/configuration answered 404 (${message}): check baseUrl, tenantId, poolId and pathPrefix`,
      );
    }
    return { kind: 'refused', reason: message, code: rejectionCode(res.status, message) };
  }

  async remove(sourceIds: string[]): Promise<Outcome[]> {
    return mapLimited(sourceIds, DELETE_CONCURRENCY, (id) => this.deleteOne(id));
  }

  private async deleteOne(sourceId: string): Promise<Outcome> {
    const ex = await this.session.send({ method: 'DELETE', path: this.userPath(sourceId) });
    return singleOutcome(
      sourceId,
      ex,
      (r) => (r.status < 300 || r.status === 404 ? 'deleted' : undefined),
      errText,
    );
  }

  /** Per-user System API; a user the pool does not have yet is imported whole instead. */
  private async updateProfile(user: User): Promise<Outcome> {
    const ex = await this.session.send({
      method: 'PUT',
      path: this.userPath(user.sourceId),
      json: {
        status: ceStatus(user.status),
        payload: cePayload(user, this.config),
        metadata: ceMetadata(user, this.config),
        ...(this.config.payloadSchemaId ? { payload_schema_id: this.config.payloadSchemaId } : {}),
        ...(this.config.metadataSchemaId ? { metadata_schema_id: this.config.metadataSchemaId } : {}),
      },
    });
    if (isNotFound(ex)) return this.upsertOne(user, false);
    return singleOutcome(user.sourceId, ex, (r) => (r.status < 300 ? 'updated' : undefined), errText);
  }

  /**
   * Swap the email identifier and verifiable address through the System APIs, then the profile: the
   * import adds identifiers but never drops one. Without `previousEmail` only the new ones are added
   * (an existing one answers 409, kept as ok). A user the pool does not have is imported whole.
   */
  async changeEmail(user: User, previousEmail?: string): Promise<Outcome> {
    const id = user.sourceId;
    const base = this.userPath(id);
    const steps: { path: string; json: unknown; okStatus: number[] }[] = [];
    if (previousEmail !== undefined && previousEmail.toLowerCase() !== user.email?.toLowerCase()) {
      steps.push({
        path: `${base}/identifiers/remove`,
        json: { identifier: previousEmail },
        okStatus: [404],
      });
      steps.push({ path: `${base}/addresses/remove`, json: { address: previousEmail }, okStatus: [404] });
    }
    if (user.email !== undefined) {
      steps.push({
        path: `${base}/identifiers/add`,
        json: { identifier: user.email, type: 'email' },
        okStatus: [409],
      });
      steps.push({
        path: `${base}/addresses/add`,
        json: { address: user.email, type: 'email', verified: user.emailVerified ?? false, status: 'active' },
        okStatus: [409],
      });
    }
    for (const step of steps) {
      const ex = await this.session.send({ method: 'POST', path: step.path, json: step.json });
      if (step.path.endsWith('/identifiers/remove') && isNotFound(ex) && !(await this.exists(id))) {
        return this.upsertOne(user, false);
      }
      const o = singleOutcome(
        id,
        ex,
        (r) => (r.status < 300 || step.okStatus.includes(r.status) ? 'updated' : undefined),
        errText,
      );
      if (o.kind !== 'ok') return o;
    }
    return this.updateProfile(user);
  }

  /** GET of the user through the System API; undefined when the pool does not have it. */
  async fetchUser(sourceId: string): Promise<Record<string, unknown> | undefined> {
    const ex = await this.session.send({ method: 'GET', path: this.userPath(sourceId) });
    if (ex.kind === 'response' && ex.res.status === 200)
      return JSON.parse(ex.res.text) as Record<string, unknown>;
    return undefined;
  }

  private async exists(sourceId: string): Promise<boolean> {
    return (await this.fetchUser(sourceId)) !== undefined;
  }

  private userPath(sourceId: string): string {
    return `${this.systemPrefix}/system/pools/${encodeURIComponent(this.config.poolId)}/users/${cloudentityUserId(sourceId, this.config.namespace)}`;
  }

  /** The read paths, for `verify` (see read.ts). */
  reader(): TargetReader {
    return new CloudentityReader(this.session, this.config, this.systemPrefix, this.ctx);
  }

  /** The tenant checks of `plan` (see preflight.ts). */
  preflight(): TargetPreflight {
    return new CloudentityPreflight(this.session, this.config, this.systemPrefix, this.ctx);
  }

  stats(): TargetStats {
    return { ...this.session.stats(), ...this.counters };
  }

  async close(): Promise<void> {
    await this.session.http.close();
  }
}

function isNotFound(ex: Exchange): boolean {
  return ex.kind === 'response' && ex.res.status === 404;
}

function errText(res: HttpResponse): string {
  return cloudentityErrorMessage(res.text, res.status).message;
}

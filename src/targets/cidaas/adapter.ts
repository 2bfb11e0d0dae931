import type { CidaasTargetConfig } from './config.ts';
import { HttpClient } from '../../delivery/http-client.ts';
import type { HttpResponse } from '../../delivery/http-client.ts';
import { clientCredentials } from '../../delivery/oauth-client-credentials.ts';
import { TokenCache } from '../../delivery/token-cache.ts';
import type { Outcome, User } from '../../model/index.ts';
import { upsertEncoded, type RefusedPayload } from '../common/upsert-encoded.ts';
import type { BatchResult } from '../common/bisect.ts';
import { isRetryableStatus, rejectionCode, retryableFrom } from '../common/classify.ts';
import { TargetSession } from '../common/session.ts';
import { mapLimited, singleOutcome } from '../common/single-call.ts';
import { TargetConfigError } from '../errors.ts';
import type {
  EncodedPlannedUser,
  ReadableTarget,
  TargetCapabilities,
  TargetPreflight,
  TargetReader,
  TargetStats,
  UserEncoding,
  UserPreview,
} from '../target.ts';
import { cidaasAuthAdvice } from './auth-advice.ts';
import { cidaasCapabilities } from './capabilities.ts';
import { countMfaLost } from '../../hashes/totp.ts';
import { buildCidaasEntity, cidaasSub, planPassword, type PasswordPlan } from './payload.ts';
import { PROFILE_FIELDS, removedProviders, withClearedFields } from './clear.ts';
import type { RemovedField } from '../../model/removed.ts';
import { cidaasErrorMessage, outcomesFromStates, parseProcessStates } from './response.ts';
import type { SentEntity } from './response.ts';
import { CidaasPreflight } from './preflight.ts';
import { CidaasReader } from './read.ts';

const BULK_PATH = '/users-srv/user/bulk';
const DELETE_CONCURRENCY = 4;

interface Built extends SentEntity {
  /** The entity as JSON: request bodies are assembled from these without serialising again. */
  entity: string;
  /** Social logins the source dropped, to unlink once the upsert went through. */
  unlink?: string[];
}

/** What `encode` makes of one user (see `Target.encode`). */
type EncodedCidaasEntity = {
  kind: 'ok';
  sub: string;
  ids: readonly string[];
  entity: string;
  password: 'native' | 'verifier' | 'reset' | 'reset-unsupported';
};
type EncodedCidaasUser = EncodedCidaasEntity | RefusedPayload;

/**
 * What to clear for a user the target has. One handed over without a record of what it lost (the
 * sync) may have lost any standard field: each one it lacks is unassigned.
 */
function removedOf(u: EncodedPlannedUser): readonly RemovedField[] | undefined {
  if (u.removed !== 'unknown') return u.removed;
  return u.knownToTarget ? PROFILE_FIELDS : undefined;
}

export class CidaasAdapter implements ReadableTarget {
  readonly name = 'cidaas';
  readonly capabilities: TargetCapabilities;
  private readonly session: TargetSession;
  private readonly counters = { bisectionCalls: 0, unsupportedHashResets: 0, verifierHashes: 0 };

  constructor(private readonly config: CidaasTargetConfig) {
    this.capabilities = cidaasCapabilities(config);
    const http = new HttpClient({
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      connections: config.connections,
      keepAliveMs: config.keepAliveMs,
      ...(config.caFile ? { caFile: config.caFile } : {}),
    });
    const tokens = new TokenCache(
      clientCredentials(http, {
        tokenPath: config.tokenPath ?? '/token-srv/token',
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        scopes: config.scopes,
        auth: config.tokenAuth,
      }),
    );
    this.session = new TargetSession(this.name, http, tokens, cidaasAuthAdvice(config.clientId));
  }

  open(): Promise<void> {
    return this.session.open();
  }

  preview(user: User): UserPreview {
    return previewOf(user, planPassword(user, this.config));
  }

  encode(user: User): UserEncoding {
    const b = buildCidaasEntity(user, this.config);
    if (!b.ok) {
      return { preview: previewOf(user, { kind: 'reject', reason: b.reason }), payload: { kind: 'refused', reason: b.reason, code: b.code } satisfies EncodedCidaasUser };
    }
    const plan = b.password;
    const password: EncodedCidaasEntity['password'] =
      plan.kind === 'hash' ? plan.via : plan.because === 'unsupported_hash' ? 'reset-unsupported' : 'reset';
    const payload: EncodedCidaasUser = { kind: 'ok', sub: b.entity.sub, ids: identifiersOf(user), entity: JSON.stringify(b.entity), password };
    return { preview: previewOf(user, plan), payload };
  }

  upsert(users: EncodedPlannedUser[]): Promise<Outcome[]> {
    return upsertEncoded<EncodedCidaasEntity, Built>(users, {
      entry: (p, u) => {
        if (p.password === 'reset-unsupported') this.counters.unsupportedHashResets++;
        if (p.password === 'verifier') this.counters.verifierHashes++;
        const removed = removedOf(u);
        const b: Built = { sourceId: u.sourceId, sub: p.sub, knownToTarget: u.knownToTarget, identifiers: p.ids, entity: this.updateOf(p, u.knownToTarget, removed) };
        const unlink = removedProviders(removed).filter((provider) => provider !== this.config.provider);
        if (unlink.length > 0) b.unlink = unlink;
        return b;
      },
      // cidaas answers per user, but may still refuse a whole request for one bad entity (400/417).
      send: (items) => this.sendBulk(items),
      onBisectionCall: () => this.counters.bisectionCalls++,
      after: (built, sent) => this.unlinkDropped(built, sent),
    });
  }

  /**
   * The entity as this user's call must carry it. For a user the target already has, the bulk
   * upsert only overwrites what it is sent: a forced reset set earlier stays unless lifted with
   * the hash (`need_reset_password: false`), and fields the source dropped stay unless unassigned.
   */
  private updateOf(p: EncodedCidaasEntity, knownToTarget: boolean, removed: readonly RemovedField[] | undefined): string {
    if (!knownToTarget) return p.entity;
    let entity = p.entity;
    if (removed !== undefined && removed.length > 0) entity = withClearedFields(entity, removed, this.config);
    if (p.password === 'native' || p.password === 'verifier') entity = `{"need_reset_password":false,${entity.slice(1)}`;
    return entity;
  }

  /**
   * Social logins the source dropped: the bulk upsert cannot remove an identity, so each is
   * looked up (`GET /user-srv/users/{sub}`) and unlinked (`POST /users-srv/user/unlink/{identityId}`).
   * A user whose identity could not be unlinked is not done: its outcome says why.
   */
  private async unlinkDropped(built: Built[], outcomes: Outcome[]): Promise<Outcome[]> {
    const pending = new Map(built.filter((b) => b.unlink !== undefined).map((b) => [b.sourceId, b]));
    if (pending.size === 0) return outcomes;
    return mapLimited(outcomes, DELETE_CONCURRENCY, async (o) => {
      const b = pending.get(o.sourceId);
      if (b?.unlink === undefined || o.kind !== 'ok') return o;
      if (this.config.removedIdentities === 'reject') {
        return { sourceId: o.sourceId, kind: 'rejected', reason: `updated, but the social login ${b.unlink.join(', ')} the source removed is still linked (target.removedIdentities: reject)`, code: 'identity_not_removed' };
      }
      return (await this.unlink(b.sub, b.unlink, o.sourceId)) ?? o;
    });
  }

  /** Undefined when every identity of `providers` is gone; else the outcome that says why not. */
  private async unlink(sub: string, providers: string[], sourceId: string): Promise<Outcome | undefined> {
    const path = `/user-srv/users/${encodeURIComponent(sub)}`;
    const got = await this.session.send({ method: 'GET', path });
    if (got.kind === 'response' && got.res.status === 404) return undefined;
    const read = singleOutcome(sourceId, got, (r) => (r.status < 300 ? 'updated' : undefined), errText);
    if (read.kind !== 'ok' || got.kind !== 'response') return read;
    for (const identity of identitiesOf(got.res.text)) {
      if (!providers.includes(identity.provider) || identity.identityId === undefined) continue;
      const ex = await this.session.send({ method: 'POST', path: `/users-srv/user/unlink/${encodeURIComponent(identity.identityId)}` });
      const o = singleOutcome(sourceId, ex, (r) => (r.status < 300 || r.status === 404 ? 'updated' : undefined), errText);
      if (o.kind === 'rejected') return { ...o, reason: `updated, but the social login ${identity.provider} the source removed could not be unlinked: ${o.reason}` };
      if (o.kind !== 'ok') return o;
    }
    return undefined;
  }

  private async sendBulk(items: Built[]): Promise<BatchResult> {
    const ex = await this.session.send({ method: 'POST', path: BULK_PATH, jsonText: `[${items.map((i) => i.entity).join(',')}]` });
    if (ex.kind === 'retryable') return ex;
    const { res } = ex;
    if (res.status >= 200 && res.status < 300) {
      const states = parseProcessStates(res.text);
      if (states) return { kind: 'outcomes', outcomes: outcomesFromStates(items, states) };
      // A 2xx without states: the upsert was accepted, the body just does not say how.
      return {
        kind: 'outcomes',
        outcomes: items.map((i) => ({
          sourceId: i.sourceId,
          kind: 'ok',
          action: i.knownToTarget ? 'updated' : 'created',
        })),
      };
    }
    return this.whole(res);
  }

  /** A non-2xx answer to a whole bulk request. */
  private whole(res: HttpResponse): BatchResult {
    const { message } = cidaasErrorMessage(res.text, res.status);
    if (isRetryableStatus(res.status)) return retryableFrom(res, message);
    if (res.status === 404) {
      throw new TargetConfigError(this.name, `${BULK_PATH} not found (HTTP 404): check baseUrl`);
    }
    return { kind: 'refused', reason: message, code: rejectionCode(res.status, message) };
  }

  async remove(sourceIds: string[]): Promise<Outcome[]> {
    return mapLimited(sourceIds, DELETE_CONCURRENCY, (id) => this.deleteOne(id));
  }

  private async deleteOne(sourceId: string): Promise<Outcome> {
    const sub = encodeURIComponent(cidaasSub(sourceId, this.config));
    const ex =
      this.config.deletes === 'purge'
        ? await this.session.send({ method: 'DELETE', path: `/users-srv/user/purge/${sub}` })
        : await this.session.send({
            method: 'POST',
            path: `/users-srv/user/unregister/scheduler/schedule/${sub}`,
          });
    // 404: already gone, which is what a delete wants.
    return singleOutcome(
      sourceId,
      ex,
      (r) => (r.status < 300 || r.status === 404 ? 'deleted' : undefined),
      errText,
    );
  }

  /** Upsert by sub replaces the identifier, and cidaas keeps no second email to clean up: the user's upsert is all it takes. */
  async changeEmail(user: User, _previousEmail?: string): Promise<Outcome> {
    const [o] = await this.upsert([{ sourceId: user.sourceId, knownToTarget: true, payload: this.encode(user).payload, removed: 'unknown' }]);
    return o ?? { sourceId: user.sourceId, kind: 'retryable', reason: 'no outcome' };
  }

  /** The read paths, for `verify` (see read.ts). */
  reader(): TargetReader {
    return new CidaasReader(this.session, this.config);
  }

  /** The tenant checks of `plan` (see preflight.ts). */
  preflight(): TargetPreflight {
    return new CidaasPreflight(this.session, this.config);
  }

  stats(): TargetStats {
    return { ...this.session.stats(), ...this.counters };
  }

  async close(): Promise<void> {
    await this.session.http.close();
  }
}

function errText(res: HttpResponse): string {
  return cidaasErrorMessage(res.text, res.status).message;
}

/** What the census reports for a user whose password takes this plan. */
function previewOf(user: User, plan: PasswordPlan): UserPreview {
  // The bulk API takes only `mfa_enabled`: every TOTP secret is lost and the user re-enrols.
  const mfa = countMfaLost(user.mfa, () => false);
  const base = { mfaFactors: mfa.factors, mfaLost: mfa.lost };
  if (plan.kind === 'reject') return { ...base, password: 'reject', reason: plan.reason };
  if (plan.kind === 'reset') return { ...base, password: 'reset', reason: plan.because.replace(/_/g, ' ') };
  return { ...base, password: plan.via === 'verifier' ? 'verifier' : 'import' };
}

/** The identities of a `GET /user-srv/users/{sub}` answer (in the `data` envelope or not). */
function identitiesOf(text: string): Array<{ provider: string; identityId?: string }> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const o = (body ?? {}) as Record<string, unknown>;
  const user = (typeof o['data'] === 'object' && o['data'] !== null ? o['data'] : o) as Record<string, unknown>;
  const list = Array.isArray(user['identities']) ? (user['identities'] as unknown[]) : [];
  return list.flatMap((i) => {
    const r = (i ?? {}) as Record<string, unknown>;
    if (typeof r['provider'] !== 'string') return [];
    return [{ provider: r['provider'], ...(typeof r['identityId'] === 'string' ? { identityId: r['identityId'] } : {}) }];
  });
}

function identifiersOf(user: User): string[] {
  return [user.email, user.phone, user.username]
    .filter((v): v is string => v !== undefined)
    .map((v) => v.toLowerCase());
}

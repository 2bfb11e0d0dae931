import type { CloudentityTargetConfig } from './config.ts';
import type { User } from '../../model/index.ts';
import { answered, parseBody } from '../common/read.ts';
import type { TargetSession } from '../common/session.ts';
import { isObj } from '../common/view.ts';
import { TargetConfigError } from '../errors.ts';
import type { ExpectedUser, ListedUser, ListResult, ReadResult, TargetReader } from '../target.ts';
import { cloudentityUserId } from './ids.ts';
import { buildUserEntry, type BuildContext } from './payload.ts';
import { cloudentityErrorMessage } from './response.ts';
import { ceView, recordsOfUserWithData } from './view.ts';

/** `limit` of the users listing: the spec's maximum (1..100). */
const PAGE = 100;

/**
 * Cloudentity's read paths (System API, scope `identity`): `GET …/system/pools/{pool}/users/{id}`
 * per user (`UserWithData`, credentials blurred) and `GET …/system/pools/{pool}/users` paged by
 * `after_user_id` (sorted by user id; eventually consistent) for every user of the pool.
 */
export class CloudentityReader implements TargetReader {
  readonly blindSpots = [
    "Cloudentity's System API blurs credentials: a password's presence, state and expiry are checked, its hash algorithm is not shown",
  ];
  private readonly poolPath: string;

  constructor(
    private readonly session: TargetSession,
    private readonly config: CloudentityTargetConfig,
    systemPrefix: string,
    private readonly ctx: BuildContext,
  ) {
    this.poolPath = `${systemPrefix}/system/pools/${encodeURIComponent(config.poolId)}`;
  }

  targetKey(sourceId: string): string {
    return cloudentityUserId(sourceId, this.config.namespace);
  }

  expect(user: User): ExpectedUser {
    const built = buildUserEntry(user, this.ctx);
    if (!built.ok) return { kind: 'refused', reason: built.reason };
    const e = built.entry;
    const records = {
      user: e.user as unknown as Record<string, unknown>,
      identifiers: e.identifiers as unknown as Record<string, unknown>[],
      addresses: e.addresses as unknown as Record<string, unknown>[],
      credentials: e.credentials as unknown as Record<string, unknown>[],
    };
    return { kind: 'sent', view: ceView(records) };
  }

  /** A token, and the pool: a user's 404 then means the user, not a wrong pool id. */
  async open(): Promise<void> {
    await this.session.open();
    for (let attempt = 0; ; attempt++) {
      const res = answered(await this.session.send({ method: 'GET', path: this.poolPath }));
      if (res.kind === 'retryable') {
        if (attempt >= 5) return;
        await new Promise((r) => setTimeout(r, res.retryAfterMs ?? 500 * (attempt + 1)));
        continue;
      }
      if (res.status === 404) throw new TargetConfigError('cloudentity', `identity pool ${this.config.poolId} not found (${this.poolPath}): check poolId, tenantId and systemApiPrefix`);
      return;
    }
  }

  async read(sourceId: string): Promise<ReadResult> {
    const res = answered(await this.session.send({ method: 'GET', path: `${this.poolPath}/users/${this.targetKey(sourceId)}` }));
    if (res.kind !== 'response') return res;
    if (res.status === 404) return { kind: 'absent' };
    if (res.status !== 200) return { kind: 'failed', reason: `HTTP ${res.status}: ${cloudentityErrorMessage(res.text, res.status).message}` };
    const body = parseBody(res.text);
    if (!isObj(body)) return { kind: 'failed', reason: 'the answer is not a user object' };
    return { kind: 'found', view: ceView(recordsOfUserWithData(body)) };
  }

  async list(cursor: string | undefined): Promise<ListResult> {
    const query = `limit=${PAGE}${cursor !== undefined ? `&after_user_id=${encodeURIComponent(cursor)}` : ''}`;
    const res = answered(await this.session.send({ method: 'GET', path: `${this.poolPath}/users?${query}` }));
    if (res.kind !== 'response') return res;
    if (res.status !== 200) return { kind: 'failed', reason: `HTTP ${res.status}: ${cloudentityErrorMessage(res.text, res.status).message}` };
    const body = parseBody(res.text);
    if (!isObj(body) || !Array.isArray(body['users'])) return { kind: 'failed', reason: 'the answer has no users list' };
    const raw = body['users'] as unknown[];
    const users: ListedUser[] = [];
    for (const u of raw) {
      if (!isObj(u) || typeof u['id'] !== 'string') continue;
      const metadata = u['metadata'];
      const legacy = isObj(metadata) && typeof metadata['legacy_id'] === 'string' ? metadata['legacy_id'] : undefined;
      users.push({ targetKey: u['id'], ...(legacy !== undefined ? { legacyId: legacy } : {}), identifiers: extendedIdentifiers(u) });
    }
    const last = raw.at(-1);
    const lastId = isObj(last) && typeof last['id'] === 'string' ? last['id'] : undefined;
    return { kind: 'page', users, next: raw.length >= PAGE ? lastId : undefined };
  }
}

/** `identifiers_with_details` (type, value) of an `ExtendedUser`, else its plain `identifiers`; federated ones are no login. */
function extendedIdentifiers(u: Record<string, unknown>): string[] {
  const details = u['identifiers_with_details'];
  const out: string[] = [];
  if (Array.isArray(details)) {
    for (const d of details) {
      if (isObj(d) && typeof d['value'] === 'string' && d['type'] !== 'federated' && d['type'] !== 'external') out.push(d['value'].toLowerCase());
    }
  } else if (Array.isArray(u['identifiers'])) {
    for (const i of u['identifiers'] as unknown[]) if (typeof i === 'string') out.push(i.toLowerCase());
  }
  return out;
}

import type { CidaasTargetConfig } from './config.ts';
import type { User } from '../../model/index.ts';
import { answered, parseBody } from '../common/read.ts';
import type { TargetSession } from '../common/session.ts';
import { isObj } from '../common/view.ts';
import { TargetConfigError } from '../errors.ts';
import type { ExpectedUser, ListedUser, ListResult, ReadResult, TargetReader } from '../target.ts';
import { buildCidaasEntity, cidaasSub } from './payload.ts';
import { cidaasErrorMessage } from './response.ts';
import { cidaasUserOfBody, cidaasView } from './view.ts';

/** SCIM page size asked for; a server may answer fewer (RFC 7644 §3.4.2.4), which paging follows. */
const SCIM_COUNT = 100;

/**
 * cidaas' read paths: `GET /user-srv/users/{sub}` per user (scope `cidaas:users_read`) and the SCIM
 * 2.0 listing `GET {scimPath}/Users?startIndex&count` (RFC 7644 list response) for every user of
 * the tenant. The comparison reads the same view from the entity `buildCidaasEntity` sends.
 */
export class CidaasReader implements TargetReader {
  readonly blindSpots = [
    "cidaas' admin API shows no credential: a password hash's algorithm cannot be read back, only the must-reset flag",
  ];

  constructor(
    private readonly session: TargetSession,
    private readonly config: CidaasTargetConfig,
  ) {}

  targetKey(sourceId: string): string {
    return cidaasSub(sourceId, this.config);
  }

  expect(user: User): ExpectedUser {
    const built = buildCidaasEntity(user, this.config);
    if (!built.ok) return { kind: 'refused', reason: built.reason };
    return { kind: 'sent', view: cidaasView(built.entity as unknown as Record<string, unknown>, this.config.provider, 'sent') };
  }

  open(): Promise<void> {
    return this.session.open();
  }

  async read(sourceId: string): Promise<ReadResult> {
    const sub = this.targetKey(sourceId);
    const ex = await this.session.send({ method: 'GET', path: `/user-srv/users/${encodeURIComponent(sub)}` });
    const res = answered(ex);
    if (res.kind !== 'response') return res;
    if (res.status === 404) return { kind: 'absent' };
    if (res.status !== 200) return { kind: 'failed', reason: `HTTP ${res.status}: ${cidaasErrorMessage(res.text, res.status).message}` };
    const user = cidaasUserOfBody(parseBody(res.text));
    if (user === undefined) return { kind: 'failed', reason: 'the answer is not a user object' };
    return { kind: 'found', view: cidaasView(user, this.config.provider, 'read') };
  }

  async list(cursor: string | undefined): Promise<ListResult> {
    const startIndex = cursor === undefined ? 1 : Number(cursor);
    const path = `${this.config.scimPath}/Users?startIndex=${startIndex}&count=${SCIM_COUNT}`;
    const ex = await this.session.send({ method: 'GET', path, headers: { accept: 'application/scim+json, application/json' } });
    const res = answered(ex);
    if (res.kind !== 'response') return res;
    if (res.status === 404) {
      throw new TargetConfigError('cidaas', `${this.config.scimPath}/Users answered 404: set target.scimPath to the tenant's SCIM base (discovery's scim_endpoint)`);
    }
    if (res.status !== 200) return { kind: 'failed', reason: `HTTP ${res.status}: ${cidaasErrorMessage(res.text, res.status).message}` };
    const body = parseBody(res.text);
    if (!isObj(body) || !Array.isArray(body['Resources'] ?? [])) return { kind: 'failed', reason: 'the SCIM answer has no Resources list' };
    const resources = ((body['Resources'] ?? []) as unknown[]).filter(isObj);
    const users: ListedUser[] = [];
    for (const r of resources) {
      if (typeof r['id'] !== 'string') continue;
      users.push({ targetKey: r['id'], identifiers: scimIdentifiers(r) });
    }
    const total = typeof body['totalResults'] === 'number' ? body['totalResults'] : undefined;
    const nextIndex = startIndex + resources.length;
    const more = resources.length > 0 && (total === undefined ? resources.length >= SCIM_COUNT : nextIndex <= total);
    return { kind: 'page', users, next: more ? String(nextIndex) : undefined };
  }
}

/** userName, emails[].value and phoneNumbers[].value of a SCIM User (RFC 7643 §4.1). */
function scimIdentifiers(r: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof r['userName'] === 'string' && r['userName'] !== '') out.push(r['userName'].toLowerCase());
  for (const list of [r['emails'], r['phoneNumbers']]) {
    if (!Array.isArray(list)) continue;
    for (const e of list) if (isObj(e) && typeof e['value'] === 'string' && e['value'] !== '') out.push(e['value'].toLowerCase());
  }
  return [...new Set(out)];
}

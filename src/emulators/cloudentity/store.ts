/** Records are kept as sent (TenantDump shapes), indexed by id and linked by user_id. */
export type Rec = Record<string, unknown> & { id: string };
export type UserRec = Rec & { tenant_id: string; user_pool_id: string; status: string };
export type LinkedRec = Rec & { user_id: string; user_pool_id: string };

export type Kind = 'credentials' | 'identifiers' | 'addresses';

export interface PoolRec extends Record<string, unknown> {
  id: string;
  tenant_id: string;
  name: string;
  identifier_case_insensitive?: boolean;
}

/** What the store keeps about a user besides its record: the ETag version and its sub-records' ids. */
class UserMeta {
  /** Bumped on every write to the user or its sub-records. */
  version = 0;
  /**
   * Ids per kind in insertion order. Most users have one or two of each, so exact-size arrays
   * replaced on every change: a pushed-to array would keep room for 16 more in every user.
   */
  readonly ids: Partial<Record<Kind, readonly string[]>> = {};
}

const NO_IDS: readonly string[] = [];

export class CloudentityStore {
  readonly pools = new Map<string, PoolRec>();
  readonly users = new Map<string, UserRec>();
  readonly credentials = new Map<string, LinkedRec>();
  readonly identifiers = new Map<string, LinkedRec>();
  readonly addresses = new Map<string, LinkedRec>();
  /** pool → identifier_lc → identifier record id: the per-pool uniqueness index. */
  private readonly identifierIndex = new Map<string, Map<string, string>>();
  private readonly meta = new Map<string, UserMeta>();
  /** Per pool, its user ids sorted (the listing's order); dropped when a user is added or removed. */
  private sorted = new Map<string, string[]>();

  clear(): void {
    for (const m of [this.users, this.credentials, this.identifiers, this.addresses, this.identifierIndex, this.meta, this.sorted]) m.clear();
  }

  /** User ids of a pool in ascending order, as `GET …/users` lists them. */
  sortedUserIds(poolId: string): readonly string[] {
    let ids = this.sorted.get(poolId);
    if (ids === undefined) {
      ids = [];
      for (const u of this.users.values()) if (u.user_pool_id === poolId) ids.push(u.id);
      ids.sort();
      this.sorted.set(poolId, ids);
    }
    return ids;
  }

  map(kind: Kind): Map<string, LinkedRec> {
    return kind === 'credentials' ? this.credentials : kind === 'identifiers' ? this.identifiers : this.addresses;
  }

  /** Ids of a user's sub-records of one kind, in the order they were written; a copy-free view, so do not hold it across writes. */
  childIds(userId: string, kind: Kind): readonly string[] {
    return this.meta.get(userId)?.ids[kind] ?? NO_IDS;
  }

  childrenOf(userId: string, kind: Kind): LinkedRec[] {
    const map = this.map(kind);
    return this.childIds(userId, kind)
      .map((id) => map.get(id))
      .filter((r): r is LinkedRec => r !== undefined);
  }

  etag(userId: string): string {
    return `"${userId}.${this.meta.get(userId)?.version ?? 0}"`;
  }

  private metaOf(userId: string): UserMeta {
    let m = this.meta.get(userId);
    if (m === undefined) {
      m = new UserMeta();
      this.meta.set(userId, m);
    }
    return m;
  }

  touch(userId: string): void {
    this.metaOf(userId).version++;
  }

  putUser(user: UserRec): void {
    const existing = this.users.get(user.id);
    if (existing === undefined || existing.user_pool_id !== user.user_pool_id) this.sorted.clear();
    this.users.set(user.id, user);
    this.touch(user.id);
  }

  putChild(kind: Kind, rec: LinkedRec): void {
    const map = this.map(kind);
    if (map.has(rec.id)) this.removeChild(kind, rec.id);
    map.set(rec.id, rec);
    const meta = this.metaOf(rec.user_id);
    const ids = meta.ids[kind];
    meta.ids[kind] = ids === undefined ? [rec.id] : [...ids, rec.id];
    if (kind === 'identifiers') this.poolIndex(rec.user_pool_id).set(String(rec['identifier_lc']), rec.id);
    meta.version++;
  }

  removeChild(kind: Kind, id: string): void {
    const map = this.map(kind);
    const rec = map.get(id);
    if (rec === undefined) return;
    map.delete(id);
    const meta = this.meta.get(rec.user_id);
    const ids = meta?.ids[kind];
    if (meta !== undefined && ids?.includes(id) === true) meta.ids[kind] = ids.filter((x) => x !== id);
    if (kind === 'identifiers') {
      const index = this.identifierIndex.get(rec.user_pool_id);
      const lc = String(rec['identifier_lc']);
      if (index?.get(lc) === id) index.delete(lc);
    }
    this.touch(rec.user_id);
  }

  deleteUser(userId: string): boolean {
    if (!this.users.has(userId)) return false;
    for (const kind of ['credentials', 'identifiers', 'addresses'] as const) {
      for (const id of [...this.childIds(userId, kind)]) this.removeChild(kind, id);
    }
    this.users.delete(userId);
    this.meta.delete(userId);
    this.sorted.clear();
    return true;
  }

  /** Identifier record owning `identifier_lc` in a pool. */
  identifierOwner(poolId: string, identifierLc: string): LinkedRec | undefined {
    const id = this.identifierIndex.get(poolId)?.get(identifierLc);
    return id === undefined ? undefined : this.identifiers.get(id);
  }

  private poolIndex(poolId: string): Map<string, string> {
    let index = this.identifierIndex.get(poolId);
    if (index === undefined) {
      index = new Map();
      this.identifierIndex.set(poolId, index);
    }
    return index;
  }
}

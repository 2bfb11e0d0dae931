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

export class CloudentityStore {
  readonly pools = new Map<string, PoolRec>();
  readonly users = new Map<string, UserRec>();
  readonly credentials = new Map<string, LinkedRec>();
  readonly identifiers = new Map<string, LinkedRec>();
  readonly addresses = new Map<string, LinkedRec>();
  /** `${pool}\0${identifier_lc}` → identifier record id: the per-pool uniqueness index. */
  readonly identifierIndex = new Map<string, string>();
  private readonly children = new Map<string, Record<Kind, Set<string>>>();
  /** ETag source: bumped on every write to a user or its sub-records. */
  private readonly versions = new Map<string, number>();

  clear(): void {
    for (const m of [this.users, this.credentials, this.identifiers, this.addresses, this.identifierIndex, this.children, this.versions]) m.clear();
  }

  map(kind: Kind): Map<string, LinkedRec> {
    return kind === 'credentials' ? this.credentials : kind === 'identifiers' ? this.identifiers : this.addresses;
  }

  childIds(userId: string, kind: Kind): Set<string> {
    let c = this.children.get(userId);
    if (c === undefined) {
      c = { credentials: new Set(), identifiers: new Set(), addresses: new Set() };
      this.children.set(userId, c);
    }
    return c[kind];
  }

  childrenOf(userId: string, kind: Kind): LinkedRec[] {
    const ids = this.children.get(userId)?.[kind];
    if (ids === undefined) return [];
    const map = this.map(kind);
    return [...ids].map((id) => map.get(id)).filter((r): r is LinkedRec => r !== undefined);
  }

  etag(userId: string): string {
    return `"${userId}.${this.versions.get(userId) ?? 0}"`;
  }

  touch(userId: string): void {
    this.versions.set(userId, (this.versions.get(userId) ?? 0) + 1);
  }

  putUser(user: UserRec): void {
    this.users.set(user.id, user);
    this.touch(user.id);
  }

  putChild(kind: Kind, rec: LinkedRec): void {
    const map = this.map(kind);
    const previous = map.get(rec.id);
    if (previous !== undefined) this.removeChild(kind, rec.id);
    map.set(rec.id, rec);
    this.childIds(rec.user_id, kind).add(rec.id);
    if (kind === 'identifiers') this.identifierIndex.set(indexKey(rec.user_pool_id, rec['identifier_lc']), rec.id);
    this.touch(rec.user_id);
  }

  removeChild(kind: Kind, id: string): void {
    const map = this.map(kind);
    const rec = map.get(id);
    if (rec === undefined) return;
    map.delete(id);
    this.children.get(rec.user_id)?.[kind].delete(id);
    if (kind === 'identifiers') {
      const key = indexKey(rec.user_pool_id, rec['identifier_lc']);
      if (this.identifierIndex.get(key) === id) this.identifierIndex.delete(key);
    }
    this.touch(rec.user_id);
  }

  deleteUser(userId: string): boolean {
    if (!this.users.has(userId)) return false;
    for (const kind of ['credentials', 'identifiers', 'addresses'] as const) {
      for (const id of [...this.childIds(userId, kind)]) this.removeChild(kind, id);
    }
    this.users.delete(userId);
    this.children.delete(userId);
    this.versions.delete(userId);
    return true;
  }

  /** Identifier record owning `identifier_lc` in a pool. */
  identifierOwner(poolId: string, identifierLc: string): LinkedRec | undefined {
    const id = this.identifierIndex.get(indexKey(poolId, identifierLc));
    return id === undefined ? undefined : this.identifiers.get(id);
  }
}

export function indexKey(poolId: string, identifierLc: unknown): string {
  return `${poolId}\u0000${String(identifierLc)}`;
}

import type { CidaasPasswordHashInfo } from '../../targets/cidaas/wire/hash.ts';
import { IdentifierIndex } from './identifier-index.ts';

export type CidaasUserStatus = 'VERIFIED' | 'PENDING' | 'DELETED' | 'DECLINED' | 'LOCKED' | 'COMBINED';
export const USER_STATUSES: ReadonlySet<string> = new Set(['VERIFIED', 'PENDING', 'DELETED', 'DECLINED', 'LOCKED', 'COMBINED']);

export type StoredPassword = { kind: 'hash'; info: CidaasPasswordHashInfo } | { kind: 'plain'; value: string };

/** One identity: a provider plus its identity-level fields, as sent. */
export type Identity = Record<string, unknown> & { provider: string; identityId: string };

export interface CidaasUser {
  sub: string;
  userStatus: CidaasUserStatus;
  /** Account-level fields as sent (everything that is not identity-level, password or customFields). */
  account: Record<string, unknown>;
  identities: Identity[];
  customFields: Record<string, unknown>;
  password?: StoredPassword;
  /** The status before a scheduled deletion, restored if it is cancelled. */
  statusBeforeDeletion?: CidaasUserStatus;
  deletionScheduledAt?: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * A user the bulk import created and nothing has read since: the checked entity as sent, built into
 * a CidaasUser the first time anything reads it. Building it later gives the same user (the build is
 * a pure function of the entity and the fixed field setup; its random identityIds are drawn then
 * instead of at import), and an imported user that is only stored costs one object besides its parse.
 */
export class PendingUser {
  constructor(
    readonly sub: string,
    readonly raw: Record<string, unknown>,
    readonly createdAt: number,
  ) {}
}

/** Users by sub, with an (identifier, provider) index for the documented upsert fallback. */
export class CidaasStore {
  private readonly bySub = new Map<string, CidaasUser | PendingUser>();
  readonly identifiers = new IdentifierIndex();
  /** sub → due time; kept apart so the sweep never walks all users. */
  readonly scheduled = new Map<string, number>();
  /** Subs in creation order, for listings by offset (SCIM); rebuilt after a delete. */
  private order: string[] = [];
  private orderStale = false;

  constructor(private readonly build: (pending: PendingUser) => CidaasUser) {}

  clear(): void {
    this.bySub.clear();
    this.identifiers.clear();
    this.scheduled.clear();
    this.order = [];
    this.orderStale = false;
  }

  get size(): number {
    return this.bySub.size;
  }

  has(sub: string): boolean {
    return this.bySub.has(sub);
  }

  get(sub: string): CidaasUser | undefined {
    const user = this.bySub.get(sub);
    return user instanceof PendingUser ? this.settle(user) : user;
  }

  /** Every user, in creation order. */
  all(): CidaasUser[] {
    const out: CidaasUser[] = [];
    for (const user of this.bySub.values()) out.push(user instanceof PendingUser ? this.settle(user) : user);
    return out;
  }

  private settle(pending: PendingUser): CidaasUser {
    const user = this.build(pending);
    // Same key, so the user keeps its place in creation order.
    this.bySub.set(user.sub, user);
    return user;
  }

  /**
   * Users `offset`… in creation order, at most `count`, as stored: a user the import created and
   * nothing read yet stays a `PendingUser` (a listing of a million users builds none of them).
   */
  page(offset: number, count: number): Array<CidaasUser | PendingUser> {
    if (this.orderStale) {
      this.order = [...this.bySub.keys()];
      this.orderStale = false;
    }
    const out: Array<CidaasUser | PendingUser> = [];
    for (const sub of this.order.slice(offset, offset + count)) {
      const user = this.bySub.get(sub);
      if (user !== undefined) out.push(user);
    }
    return out;
  }

  /** Stores a new user as its checked entity; `identities` are the entity's identities as sent. */
  putPending(user: PendingUser, identities: readonly Record<string, unknown>[]): void {
    if (!this.bySub.has(user.sub)) this.order.push(user.sub);
    this.bySub.set(user.sub, user);
    this.identifiers.add(identities, user.sub);
  }

  /** Call before changing a stored user's identities, and `index` after. */
  unindex(user: CidaasUser): void {
    this.identifiers.remove(user.identities, user.sub);
  }

  index(user: CidaasUser): void {
    this.identifiers.add(user.identities, user.sub);
  }

  delete(sub: string): boolean {
    const user = this.get(sub);
    if (user === undefined) return false;
    this.unindex(user);
    this.bySub.delete(sub);
    this.scheduled.delete(sub);
    this.orderStale = true;
    return true;
  }

  /** Purges users whose grace period has run out; returns how many. */
  sweep(now: number): number {
    let purged = 0;
    for (const [sub, due] of this.scheduled) {
      if (due <= now && this.delete(sub)) purged++;
    }
    return purged;
  }
}

import type { CidaasPasswordHashInfo } from '../../hashes/encode-cidaas.ts';

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
  /** Index keys of all identities, kept so re-indexing never recomputes them. */
  keys: string[];
  /** The status before a scheduled deletion, restored if it is cancelled. */
  statusBeforeDeletion?: CidaasUserStatus;
  deletionScheduledAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** Index key for one identifier of one provider; emails and usernames match case-insensitively. */
export function identifierKeys(identity: Record<string, unknown>, provider: string): string[] {
  const keys: string[] = [];
  const email = identity['email'];
  const mobile = identity['mobile_number'];
  const username = identity['username'];
  if (typeof email === 'string' && email !== '') keys.push(`${provider}\u0000e\u0000${email.toLowerCase()}`);
  if (typeof mobile === 'string' && mobile !== '') keys.push(`${provider}\u0000m\u0000${mobile}`);
  if (typeof username === 'string' && username !== '') keys.push(`${provider}\u0000u\u0000${username.toLowerCase()}`);
  return keys;
}

export function keysOf(identities: ReadonlyArray<Record<string, unknown> & { provider: string }>): string[] {
  if (identities.length === 1) {
    const only = identities[0] as Record<string, unknown> & { provider: string };
    return identifierKeys(only, only.provider);
  }
  return identities.flatMap((i) => identifierKeys(i, i.provider));
}

/** Users by sub, with an (identifier, provider) index for the documented upsert fallback. */
export class CidaasStore {
  readonly bySub = new Map<string, CidaasUser>();
  private readonly byIdentifier = new Map<string, string>();
  /** sub → due time; kept apart so the sweep never walks all users. */
  readonly scheduled = new Map<string, number>();

  clear(): void {
    this.bySub.clear();
    this.byIdentifier.clear();
    this.scheduled.clear();
  }

  get size(): number {
    return this.bySub.size;
  }

  findSubByKey(key: string): string | undefined {
    return this.byIdentifier.get(key);
  }

  /** A key already taken by a different user, if any. */
  conflictingKey(keys: readonly string[], sub: string | undefined): string | undefined {
    for (const key of keys) {
      const owner = this.byIdentifier.get(key);
      if (owner !== undefined && owner !== sub) return key;
    }
    return undefined;
  }

  /** Stores a new user whose `keys` are already computed. */
  put(user: CidaasUser): void {
    this.bySub.set(user.sub, user);
    for (const key of user.keys) this.byIdentifier.set(key, user.sub);
  }

  unindex(user: CidaasUser): void {
    for (const key of user.keys) {
      if (this.byIdentifier.get(key) === user.sub) this.byIdentifier.delete(key);
    }
  }

  /** Recomputes the user's keys from its identities and indexes them. */
  index(user: CidaasUser): void {
    user.keys = keysOf(user.identities);
    for (const key of user.keys) this.byIdentifier.set(key, user.sub);
  }

  delete(sub: string): boolean {
    const user = this.bySub.get(sub);
    if (user === undefined) return false;
    this.unindex(user);
    this.bySub.delete(sub);
    this.scheduled.delete(sub);
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

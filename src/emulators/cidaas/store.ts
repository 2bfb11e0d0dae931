import type { CidaasPasswordHashInfo } from '../../hashes/encode-cidaas.ts';
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

/** Users by sub, with an (identifier, provider) index for the documented upsert fallback. */
export class CidaasStore {
  readonly bySub = new Map<string, CidaasUser>();
  readonly identifiers = new IdentifierIndex();
  /** sub → due time; kept apart so the sweep never walks all users. */
  readonly scheduled = new Map<string, number>();

  clear(): void {
    this.bySub.clear();
    this.identifiers.clear();
    this.scheduled.clear();
  }

  get size(): number {
    return this.bySub.size;
  }

  put(user: CidaasUser): void {
    this.bySub.set(user.sub, user);
    this.identifiers.add(user.identities, user.sub);
  }

  /** Call before changing a stored user's identities, and `index` after. */
  unindex(user: CidaasUser): void {
    this.identifiers.remove(user.identities, user.sub);
  }

  index(user: CidaasUser): void {
    this.identifiers.add(user.identities, user.sub);
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

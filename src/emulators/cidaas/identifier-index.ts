/**
 * (provider, identifier kind, normalised value) → sub: the uniqueness index behind the bulk
 * upsert fallback, the duplicate check and login. Nested Maps instead of one composite key, so a
 * lookup or an insert allocates no key string and nothing per user is kept beside the user itself.
 */

/** The identifier fields of an identity, in the order they are matched. */
const FIELDS = ['email', 'mobile_number', 'username'] as const;
export type IdentifierField = (typeof FIELDS)[number];

type ProviderIndex = Record<IdentifierField, Map<string, string>>;

/** Emails and usernames match case-insensitively; an empty or non-string value is no identifier. */
function normalised(identity: Record<string, unknown>, field: IdentifierField): string | undefined {
  const v = identity[field];
  if (typeof v !== 'string' || v === '') return undefined;
  return field === 'mobile_number' ? v : v.toLowerCase();
}

/** An identity as stored, or as sent (then its provider defaults to `self`, as it is stored). */
export type IndexedIdentity = Record<string, unknown>;

/** The provider an identity is stored and indexed under. */
export function providerOf(identity: IndexedIdentity): string {
  const provider = identity['provider'];
  return typeof provider === 'string' && provider !== '' ? provider : 'self';
}

export class IdentifierIndex {
  private readonly providers = new Map<string, ProviderIndex>();

  clear(): void {
    this.providers.clear();
  }

  /** The sub owning one identifier value (normalise it first with the field's rule). */
  get(provider: string, field: IdentifierField, value: string): string | undefined {
    return this.providers.get(provider)?.[field].get(field === 'mobile_number' ? value : value.toLowerCase());
  }

  /** The first owner of any identifier of the identities, in identity then field order. */
  firstOwner(identities: readonly IndexedIdentity[]): string | undefined {
    for (const owner of this.owners(identities)) return owner;
    return undefined;
  }

  /** Whether any identifier of the identities belongs to a user other than `sub`. */
  conflicts(identities: readonly IndexedIdentity[], sub: string | undefined): boolean {
    for (const owner of this.owners(identities)) if (owner !== sub) return true;
    return false;
  }

  /** Owners of the identities' identifiers, in identity then field order. */
  private *owners(identities: readonly IndexedIdentity[]): Generator<string> {
    for (const identity of identities) {
      const p = this.providers.get(providerOf(identity));
      if (p === undefined) continue;
      for (const field of FIELDS) {
        const value = normalised(identity, field);
        const owner = value === undefined ? undefined : p[field].get(value);
        if (owner !== undefined) yield owner;
      }
    }
  }

  add(identities: readonly IndexedIdentity[], sub: string): void {
    for (const identity of identities) {
      let p = this.providers.get(providerOf(identity));
      if (p === undefined) {
        p = { email: new Map(), mobile_number: new Map(), username: new Map() };
        this.providers.set(providerOf(identity), p);
      }
      for (const field of FIELDS) {
        const value = normalised(identity, field);
        if (value !== undefined) p[field].set(value, sub);
      }
    }
  }

  /** Drops the identities' entries that still point at `sub` (another user may have taken one since). */
  remove(identities: readonly IndexedIdentity[], sub: string): void {
    for (const identity of identities) {
      const p = this.providers.get(providerOf(identity));
      if (p === undefined) continue;
      for (const field of FIELDS) {
        const value = normalised(identity, field);
        if (value !== undefined && p[field].get(value) === sub) p[field].delete(value);
      }
    }
  }
}

/** A TenantDump builder that follows the spec's required fields, for the Cloudentity tests. */
export const T = '2024-01-01T00:00:00Z';

export function entry(n: number, opts: { pool?: string; email?: string; hashed?: unknown; credential?: Record<string, unknown> } = {}) {
  const pool = opts.pool ?? 'default-pool';
  const email = opts.email ?? `User${n}@Example.com`;
  const base = { tenant_id: 'default', user_pool_id: pool, created_at: T, updated_at: T };
  return {
    users: [{ id: `u-${n}`, ...base, status: 'active', payload: { given_name: `N${n}` } }],
    user_credentials: [
      {
        id: `c-${n}`,
        ...base,
        user_id: `u-${n}`,
        type: 'password',
        payload: { hashed_password: opts.hashed ?? { config: { method: 'bcrypt', bcrypt: { cost: 10 } }, value: '$2b$10$EfrjjYYGih4j4AbnpIWT2OEjvvRoYNBDJ0Wv2E.MwE/oZ87hasAHi' } },
        ...opts.credential,
      },
    ],
    user_identifiers: [{ id: `i-${n}`, ...base, user_id: `u-${n}`, type: 'email', identifier: email, identifier_lc: email.toLowerCase() }],
    user_verifiable_addresses: [
      { id: `a-${n}`, ...base, user_id: `u-${n}`, type: 'email', address: email, address_lc: email.toLowerCase(), status: 'active', verified: true },
    ],
  };
}

type Dump = ReturnType<typeof entry>;

export function dump(...entries: Dump[]): Dump {
  return {
    users: entries.flatMap((e) => e.users),
    user_credentials: entries.flatMap((e) => e.user_credentials),
    user_identifiers: entries.flatMap((e) => e.user_identifiers),
    user_verifiable_addresses: entries.flatMap((e) => e.user_verifiable_addresses),
  };
}

export function many(count: number, from = 0): Dump {
  return dump(...Array.from({ length: count }, (_, i) => entry(from + i)));
}

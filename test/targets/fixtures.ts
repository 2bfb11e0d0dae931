import { User } from '../../src/model/index.ts';
import type { Outcome, PasswordHash } from '../../src/model/index.ts';
import { encodePlanned, type PlannedUser, type Target } from '../../src/targets/index.ts';

/** A bcrypt hash of "correct horse" at cost 4, shaped the way src/hashes parses it. */
export function bcryptHash(encoded: string): PasswordHash {
  const m = /^\$(2[abxy]?)\$(\d{2})\$(.{22})(.{31})$/.exec(encoded);
  if (!m) throw new Error('not bcrypt');
  return {
    algorithm: 'bcrypt',
    format: 'bcrypt',
    params: { variant: m[1] ?? '2b', cost: Number(m[2]) },
    salt: m[3],
    hash: m[4] ?? '',
    encoded,
  };
}

/** Every field of the canonical User set, so a test can look for each one at the target. */
export function fullUser(sourceId: string, password?: PasswordHash): User {
  return User.parse({
    sourceId,
    status: 'active',
    email: `${sourceId}@Example.com`,
    emailVerified: true,
    phone: '+4917612345678',
    phoneVerified: true,
    username: `user_${sourceId}`,
    name: { given: 'Max', family: 'Muster', middle: 'M', nickname: 'maxi', display: 'Max Muster' },
    locale: 'de-DE',
    zoneinfo: 'Europe/Berlin',
    birthdate: '1990-05-01',
    gender: 'male',
    picture: 'https://example.com/p.png',
    address: {
      formatted: 'Melodiestr. 1, 72399 X, DE',
      street: 'Melodiestr. 1',
      locality: 'X',
      region: 'BW',
      postalCode: '72399',
      country: 'DE',
    },
    ...(password ? { password } : {}),
    mfa: [{ type: 'totp', secret: 'JBSWY3DPEHPK3PXP' }],
    identities: [{ provider: 'google', providerUserId: `g-${sourceId}` }],
    groups: ['CIDAAS_USERS'],
    roles: ['USER'],
    attributes: { customer_no: 'A-123', vip: true },
    createdAt: '2015-03-01T10:00:00Z',
    updatedAt: '2024-11-02T08:12:00Z',
    lastLoginAt: '2024-11-02T08:12:00Z',
  });
}

export function minimalUser(sourceId: string, extra: Record<string, unknown> = {}): User {
  return User.parse({ sourceId, email: `${sourceId}@example.com`, ...extra });
}

export function planned(user: User, knownToTarget = false): PlannedUser {
  return { sourceId: user.sourceId, user, knownToTarget };
}

/** Upsert through the one write path: each user encoded by the target, then sent in one batch. */
export function send(target: Target, users: PlannedUser[]): Promise<Outcome[]> {
  return target.upsert(users.map((p) => encodePlanned(target, p)));
}

/** One user through the same path, and its outcome. */
export async function one(target: Target, user: PlannedUser): Promise<Outcome> {
  const [o] = await send(target, [user]);
  if (o === undefined) throw new Error(`no outcome for ${user.sourceId}`);
  return o;
}

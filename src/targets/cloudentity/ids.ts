import { uuidV5 } from '../common/uuid-v5.ts';

/**
 * Record ids are UUIDv5 of (legacy id, record role) under the migration namespace. They are keyed by
 * role, not by value, so an email change updates the same identifier record instead of adding one.
 */
export function recordIds(sourceId: string, namespace: string) {
  const id = (role: string) => uuidV5(`${role}:${sourceId}`, namespace);
  return {
    user: id('user'),
    credential: (type: string) => id(`credential:${type}`),
    identifier: (type: string, key = '') => id(`identifier:${type}${key ? `:${key}` : ''}`),
    address: (type: string) => id(`address:${type}`),
  };
}

export function cloudentityUserId(sourceId: string, namespace: string): string {
  return recordIds(sourceId, namespace).user;
}

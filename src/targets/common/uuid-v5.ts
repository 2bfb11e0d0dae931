import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RFC 4122 §4.3 name-based UUID (SHA-1, version 5). Deterministic ids are what make a re-import
 * update the same records instead of creating duplicates.
 */
export function uuidV5(name: string, namespace: string): string {
  const bytes = createHash('sha1').update(namespaceBytes(namespace)).update(name, 'utf8').digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A migration uses one namespace for all its ids (several per user): parse it once. */
let lastNamespace: { text: string; bytes: Buffer } | undefined;

function namespaceBytes(namespace: string): Buffer {
  if (lastNamespace?.text !== namespace) {
    if (!UUID.test(namespace)) throw new Error('uuidV5: namespace must be a UUID');
    lastNamespace = { text: namespace, bytes: Buffer.from(namespace.replace(/-/g, ''), 'hex') };
  }
  return lastNamespace.bytes;
}

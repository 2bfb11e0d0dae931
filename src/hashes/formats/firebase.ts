import { ok, unrecognised } from '../describe.ts';
import { fromBase64, toBase64 } from '../encoding.ts';
import type { FormatFamily, IdentifyResult } from '../types.ts';
import { createCipheriv } from 'node:crypto';
import type { PasswordHash } from '../../model/index.ts';
import { constantTimeEqual, scryptDerive } from '../primitives.ts';
import { bytes, numParam, param } from './common.ts';

const KRATOS =
  /^\$firescrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=1\$([A-Za-z0-9+/]{1,128}={0,2})\$([A-Za-z0-9+/]{16,256}={0,2})\$([A-Za-z0-9+/]{1,64}={0,2})\$([A-Za-z0-9+/]{4,256}={0,2})$/;

interface FirebaseParts {
  memCost: number;
  rounds: number;
  salt: Buffer;
  hash: Buffer;
  saltSeparator: Buffer;
  signerKey: Buffer;
}

function firebaseHash(encoded: string, format: string, f: FirebaseParts): IdentifyResult {
  if (f.memCost < 1 || f.memCost > 17 || f.rounds < 1 || f.rounds > 8) {
    return unrecognised(encoded, 'Firebase rounds must be 1-8 and mem_cost 1-17');
  }
  return ok({
    algorithm: 'firebase-scrypt',
    format,
    // The signer key is a project-wide secret needed to verify; it travels with the hash like an
    // HMAC key does, and is redacted wherever hashes are reported.
    params: {
      memCost: f.memCost,
      rounds: f.rounds,
      saltSeparator: toBase64(f.saltSeparator),
      signerKey: toBase64(f.signerKey),
    },
    salt: toBase64(f.salt),
    hash: toBase64(f.hash),
    encoded,
  });
}

export const firebaseFamily: FormatFamily = {
  verify: { 'firebase-scrypt': verifyFirebase },
  family: 'firebase-scrypt',
  formats: ['firebase-scrypt', 'firebase', 'kratos-firescrypt'],
  detect: (v) => v.startsWith('$firescrypt$'),
  parse(value, hint) {
    const k = KRATOS.exec(value);
    if (k) {
      const parts = [k[3], k[4], k[5], k[6]].map((s) => fromBase64(s ?? ''));
      const [salt, hash, saltSeparator, signerKey] = parts;
      if (!salt || !hash || !saltSeparator || !signerKey) return unrecognised(value, 'bad firescrypt encoding');
      return firebaseHash(value, 'kratos-firescrypt', {
        memCost: Number(k[1]),
        rounds: Number(k[2]),
        salt,
        hash,
        saltSeparator,
        signerKey,
      });
    }
    if (value.startsWith('$')) return unrecognised(value, 'malformed firescrypt string');
    const fb = hint.firebase;
    if (!fb) return { ok: false, reason: 'firebase-scrypt needs mapping.password.firebase (signerKey, rounds, memCost)' };
    // Firebase exports the per-user salt as standard base64, whatever saltEncoding says.
    const salt = hint.salt ? fromBase64(hint.salt) : undefined;
    const hash = fromBase64(value.trim());
    const saltSeparator = fromBase64(fb.saltSeparator ?? 'Bw==');
    const signerKey = fromBase64(fb.signerKey);
    if (!salt) return { ok: false, reason: 'firebase-scrypt needs the base64 salt (mapping.password.salt)' };
    if (!hash || hash.length === 0) return unrecognised(value, 'Firebase passwordHash must be base64');
    if (!saltSeparator || !signerKey) return { ok: false, reason: 'Firebase signerKey and saltSeparator must be base64' };
    return firebaseHash(value, 'firebase-scrypt', { memCost: fb.memCost, rounds: fb.rounds, salt, hash, saltSeparator, signerKey });
  },
};

async function verifyFirebase(h: PasswordHash, password: string): Promise<boolean> {
  const memCost = numParam(h, 'memCost');
  const rounds = numParam(h, 'rounds');
  const salt = Buffer.concat([bytes(h.salt), bytes(param(h, 'saltSeparator'))]);
  const key = await scryptDerive(password, salt, 2 ** memCost, rounds, 1, 32);
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const out = Buffer.concat([cipher.update(bytes(param(h, 'signerKey'))), cipher.final()]);
  return constantTimeEqual(out, bytes(h.hash));
}

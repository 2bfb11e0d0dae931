import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { hash as bcryptHash } from '@node-rs/bcrypt';

export interface LargeCsv {
  passwordOf(index: number): string;
  hashOf(index: number): string;
  idOf(index: number): string;
  emailOf(index: number): string;
}

const HEADER = 'id,email,email_verified,phone,first_name,last_name,locale,created_at,customer_no,password_hash\n';

/** A big, valid export; 64 distinct passwords keep hashing cheap while every user still has one. */
export async function writeLargeCsv(file: string, users: number): Promise<LargeCsv> {
  const passwords = Array.from({ length: 64 }, (_, i) => `pw-${i}-${(i * 7919).toString(36)}`);
  const hashes = await Promise.all(passwords.map((p) => bcryptHash(p, 4)));
  const csv: LargeCsv = {
    passwordOf: (i) => passwords[i % 64] as string,
    hashOf: (i) => hashes[i % 64] as string,
    idOf: (i) => `r${i}`,
    emailOf: (i) => `user.${i}@example.com`,
  };
  const out = createWriteStream(file);
  out.write(HEADER);
  for (let i = 0; i < users; i++) {
    const line = `${csv.idOf(i)},${csv.emailOf(i)},true,+4917${String(10000000 + i)},Given${i},Family${i % 977},de-DE,2016-01-01T00:00:00Z,C-${i},${csv.hashOf(i)}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return csv;
}

import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A legacy user row of the rehearsal CSV (and of its events' data). */
export interface Row {
  id: string;
  email: string;
  email_verified: string;
  first_name: string;
  rev: number;
  pw_hash: string;
}

export const MAPPING = `mapping:
  fields:
    sourceId: id
    email: email
    emailVerified: { from: email_verified, transform: boolean }
    name.given: first_name
  attributes: { rev: { from: rev, transform: number } }
  password: { from: pw_hash }
`;

export async function writeCsv(file: string, rows: Row[]): Promise<void> {
  const header = 'id,email,email_verified,first_name,rev,pw_hash';
  await writeFile(file, `${[header, ...rows.map((r) => [r.id, r.email, r.email_verified, r.first_name, r.rev, r.pw_hash].join(','))].join('\n')}\n`);
}

/** A CloudEvents 1.0 line of the legacy system's event feed; `data` is a legacy row. */
export function event(id: string, type: string, row: Row | { id: string }, seq: number): string {
  return JSON.stringify({ specversion: '1.0', id, source: 'urn:legacy', type, subject: row.id, sequence: String(seq), time: new Date().toISOString(), ...('email' in row ? { data: row } : {}) });
}

/** migration.yaml of a rehearsal: CSV source, the given target block, a file-replay sync. */
export async function writeRehearsalConfig(dir: string, target: string, events?: string): Promise<string> {
  const file = path.join(dir, 'migration.yaml');
  await writeFile(
    file,
    `version: 1
name: rehearsal
source: { kind: csv, path: ${JSON.stringify(path.join(dir, 'users.csv'))} }
${MAPPING}target:
${target}
ledger: { kind: sqlite, path: ${JSON.stringify(path.join(dir, 'ledger.sqlite'))} }
${
  events !== undefined
    ? `sync:
  inputs:
    - { kind: file, path: ${JSON.stringify(events)}, envelope: { kind: cloudevents, data: mapped } }
  http: { port: 0 }
`
    : ''
}`,
  );
  return file;
}

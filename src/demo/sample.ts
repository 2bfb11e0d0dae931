/**
 * Generates the demo's legacy export: a CSV of users, most with bcrypt hashes, some without a
 * password, and a few broken rows of the kinds real exports have. The plaintext passwords are
 * generated together with the hashes and written beside them (never committed), so the demo can
 * prove that migrated users log in with their original passwords.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { pick, seededRandom } from './random.ts';

export interface SampleSpec {
  users: number;
  seed: number;
  /** bcrypt cost of the sample's hashes; low so generating 10,000 takes seconds. */
  bcryptCost: number;
}

export interface SampleFiles {
  csvPath: string;
  plaintextsPath: string;
  /** What the generator put in, so the demo can check what came out. */
  expected: SampleCounts;
}

export interface SampleCounts {
  records: number;
  withPassword: number;
  withoutPassword: number;
  /** Rows the mapping rejects. */
  invalid: number;
  /** Rows that migrate without an invalid optional field (mapping.onInvalidField: drop, the default). */
  droppedField: number;
  disposableEmail: number;
}

const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Emma', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Klara', 'Lukas', 'Mia', 'Noah', 'Olivia', 'Paul', 'Zoë', 'Élodie', 'Søren', 'Łukasz'];
const LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', "O'Brien", 'García', 'Nowak', 'Rossi', 'Dubois'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.de'];
const LOCALES = ['de-DE', 'en-GB', 'en-US', 'fr-FR', 'pl-PL', ''];
/** The `mapping:` section (YAML) that reads the sample's columns; shared by the demo and the tests. */
export const SAMPLE_MAPPING_YAML = `mapping:
  fields:
    sourceId: id
    email: { from: email, transform: [trim, lowercase] }
    emailVerified: { from: email_verified, transform: boolean }
    phone: phone
    name.given: first_name
    name.family: last_name
    locale: locale
    createdAt: { from: created_at, transform: datetime }
  attributes:
    customer_no: customer_no
  password:
    from: password_hash
    format: auto
`;

const HEADER = ['id', 'email', 'email_verified', 'phone', 'first_name', 'last_name', 'locale', 'created_at', 'customer_no', 'password_hash'];

/** Broken rows, by kind, at fixed positions: each is a mistake real exports contain. */
type Breakage = 'missing-id' | 'bad-email' | 'bad-phone' | 'duplicate-id' | 'extra-column' | 'bad-date' | 'no-identifier';
const BREAKAGES: Breakage[] = ['missing-id', 'bad-email', 'bad-phone', 'duplicate-id', 'extra-column', 'bad-date', 'no-identifier'];

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function password(random: () => number): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+-';
  let out = '';
  const length = 10 + Math.floor(random() * 8);
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

export async function generateSample(dir: string, spec: SampleSpec): Promise<SampleFiles> {
  await mkdir(dir, { recursive: true });
  const random = seededRandom(spec.seed);
  const counts: SampleCounts = { records: spec.users, withPassword: 0, withoutPassword: 0, invalid: 0, droppedField: 0, disposableEmail: 0 };
  const plaintexts: Record<string, string> = {};
  const rows: string[][] = [];
  const hashJobs: Array<Promise<void>> = [];
  const invalidEvery = Math.max(1, Math.floor(spec.users / 35));

  for (let i = 0; i < spec.users; i++) {
    const id = `u${String(100000 + i)}`;
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    const local = `${first}.${last}.${i}`.toLowerCase().normalize('NFKD').replace(/[^a-z0-9.]/g, '');
    let email = `${local}@${pick(random, DOMAINS)}`;
    const phone = random() < 0.6 ? `+4917${String(10000000 + Math.floor(random() * 89999999))}` : '';
    const created = new Date(Date.UTC(2012, 0, 1) + Math.floor(random() * 12 * 365 * 86400_000)).toISOString();
    const row = [id, email, random() < 0.8 ? 'true' : 'false', phone, first, last, pick(random, LOCALES), created, `C-${1000 + i}`, ''];

    const breakage = i > 0 && i % invalidEvery === 0 ? BREAKAGES[(i / invalidEvery) % BREAKAGES.length] : undefined;
    if (breakage !== undefined) {
      // A bad phone or date costs only that field (issue 31); the other breakages cost the row.
      if (breakage === 'bad-phone' || breakage === 'bad-date') counts.droppedField += 1;
      else counts.invalid += 1;
      if (breakage === 'missing-id') row[0] = '';
      if (breakage === 'bad-email') row[1] = `${local}.at.example.com`;
      if (breakage === 'bad-phone') row[3] = '12345';
      if (breakage === 'duplicate-id') row[0] = 'u100001';
      if (breakage === 'extra-column') row.push('unexpected');
      if (breakage === 'bad-date') row[7] = '31.02.2019';
      if (breakage === 'no-identifier') {
        row[1] = '';
        row[3] = '';
      }
      rows.push(row);
      continue;
    }
    if (i % 500 === 250) {
      // Disposable domains pass our validation but cidaas refuses them: they show the target's reasons.
      email = `${local}@mailinator.com`;
      row[1] = email;
      counts.disposableEmail += 1;
    }
    if (random() < 0.88) {
      const pw = password(random);
      plaintexts[id] = pw;
      counts.withPassword += 1;
      hashJobs.push(
        bcryptHash(pw, spec.bcryptCost).then((h) => {
          row[9] = h;
        }),
      );
    } else {
      counts.withoutPassword += 1;
    }
    rows.push(row);
  }
  await Promise.all(hashJobs);

  const csvPath = path.join(dir, 'users.csv');
  const plaintextsPath = path.join(dir, 'plaintexts.json');
  const body = [HEADER, ...rows].map((r) => r.map(csvField).join(',')).join('\n');
  await writeFile(csvPath, `${body}\n`);
  await writeFile(plaintextsPath, JSON.stringify(plaintexts), { mode: 0o600 });
  return { csvPath, plaintextsPath, expected: counts };
}

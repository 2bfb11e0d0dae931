import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { SourceError } from '../source-error.ts';
import { readText } from '../text-file.ts';

/** One JSON file (or one realm inside a file) whose `users` array holds Keycloak users. */
export interface UsersPart {
  path: string;
  /** stream-json Pick filter for the users array: `users`, or `/^3\.users$/` inside a realm array. */
  pick: string | RegExp;
  /** Prefix of each record's position, so a reject names file and index. */
  label: string;
}

const REALM_FILE = /^(.+)-realm\.json$/;
const USERS_FILE = /^(.+)-users-(\d+)\.json$/;

/**
 * Where the users of a `kc.sh export` are, for every layout it writes:
 * - `--dir`: `<realm>-realm.json` (users inside only with `--users realm_file`) and
 *   `<realm>-users-<n>.json` files (`different_files`, the default, or `same_file`);
 * - `--file` with `--realm`: one RealmRepresentation object;
 * - `--file` without `--realm`: a JSON array of every realm, which needs `realm` chosen;
 * - one `<realm>-users-<n>.json` file on its own (`{"realm": …, "users": […]}`).
 * With several realms and none chosen it fails listing the realms it found.
 */
export async function keycloakParts(path: string, realm: string | undefined): Promise<UsersPart[]> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    // readText names a missing file precisely.
  }
  return isDir ? folderParts(path, realm) : fileParts(path, realm);
}

async function folderParts(dir: string, realm: string | undefined): Promise<UsersPart[]> {
  const names = await readdir(dir);
  const realms = new Map<string, { realmFile?: string; users: Array<{ n: number; file: string }> }>();
  const entry = (r: string) => {
    let e = realms.get(r);
    if (!e) realms.set(r, (e = { users: [] }));
    return e;
  };
  for (const name of names) {
    const u = USERS_FILE.exec(name);
    if (u) entry(u[1] as string).users.push({ n: Number(u[2]), file: name });
    else {
      const r = REALM_FILE.exec(name);
      if (r) entry(r[1] as string).realmFile = name;
    }
  }
  if (realms.size === 0) {
    throw new SourceError(`${dir} is a folder without kc.sh export files (<realm>-realm.json, <realm>-users-<n>.json)`);
  }
  const found = [...realms.keys()].sort();
  let chosen = realm;
  if (chosen === undefined) {
    if (found.length > 1) throw new SourceError(`${dir} holds the export of ${found.length} realms (${found.join(', ')}); set source.realm to the one to migrate`);
    chosen = found[0] as string;
  }
  const e = realms.get(chosen);
  if (!e) throw new SourceError(`${dir} has no export of realm "${chosen}" (realms found: ${found.join(', ')})`);
  const parts: UsersPart[] = [];
  // `--users realm_file` keeps them in the realm file; an empty or absent `users` there costs nothing.
  if (e.realmFile) parts.push({ path: join(dir, e.realmFile), pick: 'users', label: `${e.realmFile} users` });
  for (const u of e.users.sort((a, b) => a.n - b.n)) parts.push({ path: join(dir, u.file), pick: 'users', label: `${u.file} users` });
  return parts;
}

async function fileParts(path: string, realm: string | undefined): Promise<UsersPart[]> {
  const shape = await topLevel(path);
  if (shape.kind === 'array') {
    const found = shape.realms;
    if (found.length === 0) throw new SourceError(`${path} is a JSON list without realms (no element has a "realm" name)`);
    if (realm === undefined) {
      throw new SourceError(`${path} is the export of ${found.length} realms (${found.join(', ')}); set source.realm to the one to migrate`);
    }
    const index = found.indexOf(realm);
    if (index < 0) throw new SourceError(`${path} has no realm "${realm}" (realms in the file: ${found.join(', ')})`);
    return [{ path, pick: new RegExp(`^${index}\\.users$`), label: `realms[${index}].users` }];
  }
  if (shape.kind === 'object') {
    if (realm !== undefined && shape.realm !== undefined && shape.realm !== realm) {
      throw new SourceError(`${path} is the export of realm "${shape.realm}", not "${realm}"`);
    }
    return [{ path, pick: 'users', label: 'users' }];
  }
  throw new SourceError(`${path} is not a Keycloak export (a realm object or a list of realms)`);
}

interface Token {
  name: string;
  value?: unknown;
}

/**
 * The top of the document without keeping it: an object (its `realm` name) or a list (each
 * element's `realm` name). Streams tokens; values deeper down are skipped as they pass.
 */
async function topLevel(path: string): Promise<{ kind: 'object'; realm?: string } | { kind: 'array'; realms: string[] } | { kind: 'other' }> {
  const { default: Parser } = await import('stream-json/Parser.js');
  const parser = Parser.parser({ streamValues: false, streamKeys: false });
  const input = Readable.from(readText(path), { objectMode: false });
  let failure: Error | undefined;
  pipeline(input, parser, (err) => {
    if (err) failure = err;
  });
  let depth = 0;
  let kind: 'object' | 'array' | 'other' | undefined;
  let realmKeyAt = -1;
  let realm: string | undefined;
  const realms: string[] = [];
  try {
    for await (const t of parser as AsyncIterable<Token>) {
      if (kind === undefined) kind = t.name === 'startObject' ? 'object' : t.name === 'startArray' ? 'array' : 'other';
      const objectDepth = kind === 'object' ? 1 : 2;
      if (depth === objectDepth && t.name === 'keyValue') realmKeyAt = t.value === 'realm' ? depth : -1;
      else if (realmKeyAt === depth && t.name === 'stringValue') {
        if (kind === 'object') realm = String(t.value);
        else realms.push(String(t.value));
        realmKeyAt = -1;
      }
      if (t.name === 'startObject' || t.name === 'startArray') depth++;
      else if (t.name === 'endObject' || t.name === 'endArray') depth--;
      // A single realm's name comes first in kc.sh exports: no need to read the users to find it.
      if (kind === 'object' && realm !== undefined) break;
      if (kind === 'other') break;
    }
  } catch (e) {
    failure ??= e as Error;
  } finally {
    input.destroy();
  }
  if (failure instanceof SourceError) throw failure;
  if (kind === 'array') return { kind, realms };
  if (kind === 'object') return realm === undefined ? { kind } : { kind, realm };
  if (failure && kind === undefined) throw new SourceError(`${path} is not JSON (${failure.message.replace(/\s+/g, ' ').slice(0, 80)})`);
  return { kind: 'other' };
}

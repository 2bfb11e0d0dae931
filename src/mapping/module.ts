import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UserInput } from '../model/index.ts';
import type { RawRecord } from '../model/raw-record.ts';

/** What a user module's default export returns: the (changed) user, or a reason to reject the record. */
export type UserModuleResult = UserInput | { reject: string };
export type UserModule = (user: UserInput, record: RawRecord) => UserModuleResult;

/** Loads `mapping.module` (TS runs under tsx / vitest; plain JS anywhere) relative to the config file. */
export async function loadUserModule(path: string, baseDir = process.cwd()): Promise<UserModule> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  const mod: unknown = await import(pathToFileURL(file).href);
  const fn = (mod as { default?: unknown }).default;
  if (typeof fn !== 'function')
    throw new Error(
      `mapping.module ${path} has no default export function (user, record) => user | {reject}`,
    );
  return fn as UserModule;
}

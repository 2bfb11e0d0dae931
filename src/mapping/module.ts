import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { UserInput } from '../model/index.ts';
import type { RawRecord } from '../model/raw-record.ts';

/** What a user module's default export returns: the (changed) user, or a reason to reject the record. */
export type UserModuleResult = UserInput | { reject: string };
export type UserModule = (user: UserInput, record: RawRecord) => UserModuleResult;

/**
 * Loads `mapping.module` relative to the config file: plain JavaScript anywhere; TypeScript where
 * Node strips types itself, under tsx or vitest, or else through a tsx installed beside the module
 * or beside ciam-migrate (the installed tool does not bring tsx: it is a development dependency).
 */
export async function loadUserModule(path: string, baseDir = process.cwd()): Promise<UserModule> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  const mod = await importModule(file, path);
  const fn = (mod as { default?: unknown }).default;
  if (typeof fn !== 'function')
    throw new Error(
      `mapping.module ${path} has no default export function (user, record) => user | {reject}`,
    );
  return fn as UserModule;
}

async function importModule(file: string, path: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  try {
    return await import(url);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(file)) throw err;
  }
  const tsx = resolveTsx(file);
  if (tsx === undefined) {
    throw new Error(`mapping.module ${path} is TypeScript, which this Node cannot load by itself: compile it to JavaScript, or install tsx next to it (npm install tsx)`);
  }
  const { tsImport } = (await import(pathToFileURL(tsx).href)) as { tsImport: (specifier: string, parent: string) => Promise<unknown> };
  return tsImport(url, import.meta.url);
}

/**
 * tsx's ESM API as seen from the module's folder (the user's project), else from ciam-migrate's.
 * `require.resolve` finds the CommonJS entry; its ESM twin beside it is the one `import()` must load.
 */
function resolveTsx(file: string): string | undefined {
  for (const from of [file, fileURLToPath(import.meta.url)]) {
    try {
      const esm = createRequire(from).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
      if (existsSync(esm)) return esm;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

/** SQLite's companion files, which hold the same pages (and so the same hashes) as the database. */
const COMPANIONS = ['', '-wal', '-shm', '-journal'];

export class PrivateFileError extends Error {}

/**
 * Make a database file that holds password hashes and TOTP secrets private before SQLite opens it:
 * - a folder the tool creates is 0700, the file is created 0600 (SQLite gives its -wal and -shm
 *   files the database file's mode, so they follow);
 * - an existing file (or companion) that group or others may read is set to 0600, with a warning
 *   that names it: older versions created 0644 files, and refusing them would strand a migration
 *   half-way. If the mode cannot be changed (another owner), the command refuses to open it.
 * Does nothing for `:memory:` and on Windows (no POSIX modes).
 */
export function preparePrivateDatabase(file: string, warn: (message: string) => void = defaultWarn): void {
  if (file === ':memory:' || file === '' || process.platform === 'win32') return;
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx' creates only; the mode is the file's from its first byte (the umask can only take bits away).
    closeSync(openSync(file, 'wx', 0o600));
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (const suffix of COMPANIONS) {
    const f = `${file}${suffix}`;
    let mode: number;
    try {
      mode = statSync(f).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(f, 0o600);
    } catch (err) {
      throw new PrivateFileError(
        `${f} can be read by other users (mode ${octal(mode)}) and holds password hashes and TOTP secrets; ` +
          `it could not be made private (${(err as NodeJS.ErrnoException).code ?? String(err)}): run chmod 600 ${f} as its owner, then try again`,
      );
    }
    warn(`ciam-migrate: WARNING: ${f} could be read by other users (mode ${octal(mode)}); it holds password hashes and TOTP secrets, so it is now 0600\n`);
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function defaultWarn(message: string): void {
  process.stderr.write(message);
}

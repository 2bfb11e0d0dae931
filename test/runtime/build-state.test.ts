import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiledModule, sourcesLoader } from '../../bin/build-state.js';

/** Which of dist/ and src/ the `ciam-migrate` command runs (bin/ciam-migrate.js). */
describe('the compiled build or the sources', () => {
  let root: string;
  let main: string;
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'build-state-'));
    mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
    main = path.join(root, 'dist', 'cli', 'main.js');
    writeFileSync(main, '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('an installed package (the build without src/) runs the build', () => {
    expect(compiledModule('cli/main.js', root)).toBe(pathToFileURL(main).href);
  });

  it('a clone runs the build while it is newer than every source file and folder, the sources once one is newer', () => {
    mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
    const source = path.join(root, 'src', 'cli', 'main.ts');
    writeFileSync(source, '');
    for (const p of [source, path.join(root, 'src', 'cli'), path.join(root, 'src')]) at(p, 1_000_000);
    at(main, 2_000_000);
    expect(compiledModule('cli/main.js', root)).toBe(pathToFileURL(main).href);
    at(source, 3_000_000);
    expect(compiledModule('cli/main.js', root)).toBeUndefined();
  });

  it('without a build, the sources; their loader is tsx, here a development dependency', async () => {
    rmSync(path.join(root, 'dist'), { recursive: true });
    mkdirSync(path.join(root, 'src'));
    expect(compiledModule('cli/main.js', root)).toBeUndefined();
    expect(typeof (await sourcesLoader())).toBe('function');
  });
});

#!/usr/bin/env node
// The compiled build when it is up to date (`npm install` and `npm pack` build it), else the
// TypeScript sources through tsx, so a clone that is being edited works too. tsx is a development
// dependency: an installed ciam-migrate always runs its build and never needs it.
import { compiledModule, sourcesLoader } from './build-state.js';

const compiled = compiledModule('cli/main.js');
if (compiled !== undefined) {
  await import(compiled);
} else {
  const register = await sourcesLoader();
  if (register === undefined) {
    process.stderr.write(
      'ciam-migrate: the compiled build (dist/) is missing or older than src/, and tsx, which runs the sources, is not installed: run `npm run build` (or `npm install`, which also builds)\n',
    );
    process.exit(1);
  }
  register();
  await import('../src/cli/main.ts');
}

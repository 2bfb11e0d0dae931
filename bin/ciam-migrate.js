#!/usr/bin/env node
// The compiled build when it is up to date (`npm install` builds it), else the TypeScript sources
// through tsx, so the package also works straight from a clone that is being edited.
import { compiledModule } from './build-state.js';

const compiled = compiledModule('cli/main.js');
if (compiled !== undefined) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

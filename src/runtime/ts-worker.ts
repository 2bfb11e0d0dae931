import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Start a worker thread from a module that sits next to the caller, as .ts under tsx or .js in a
 * compiled build. Node 20 does not apply ESM loader hooks (`--import tsx`) inside worker threads
 * before their entry loads ("Unknown file extension .ts"), so a .ts worker starts from a small
 * CommonJS bootstrap that installs tsx's require hook and requires the real module (Node ≥ 20.19
 * can require ESM without top-level await). Works under tsx, vitest and `node --import tsx`; the
 * compiled build needs no tsx at all.
 */
export function startTsWorker(moduleUrl: URL, workerData?: unknown, resourceLimits?: ResourceLimits): Worker {
  const options = { ...(workerData === undefined ? {} : { workerData }), ...(resourceLimits ? { resourceLimits } : {}) };
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  let tsxCjs: string;
  try {
    tsxCjs = createRequire(import.meta.url).resolve('tsx/cjs/api');
  } catch {
    // Only the sources start .ts workers; the compiled build (dist/) starts .js ones without tsx.
    throw new Error(`cannot start ${fileURLToPath(moduleUrl)} from the TypeScript sources without tsx (a development dependency): run \`npm run build\` and use the compiled build`);
  }
  const entry = fileURLToPath(moduleUrl);
  const bootstrap = `require(${JSON.stringify(tsxCjs)}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The sibling of `base` named `name` with base's extension (.ts from source, .js when compiled). */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}

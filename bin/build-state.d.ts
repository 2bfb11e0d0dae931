/**
 * URL of `dist/<rel>` when the compiled build is up to date with `src/` (or there is no `src/`, as in
 * the published package), else undefined. `root`: the package's folder.
 */
export function compiledModule(rel: string, root?: string): string | undefined;
/** tsx's `register`, to run the TypeScript sources; undefined when tsx is not installed. */
export function sourcesLoader(): Promise<(() => unknown) | undefined>;

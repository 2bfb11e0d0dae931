/** URL of `dist/<rel>` when the compiled build is up to date with `src/`, else undefined. */
export function compiledModule(rel: string): string | undefined;

/**
 * `${ENV_VAR}` and `${ENV_VAR:-default}` interpolation over the parsed YAML tree, so secrets live in
 * the environment and never in the file. Only string leaves are touched; `$${X}` escapes.
 */
export class InterpolationError extends Error {
  constructor(
    readonly path: string,
    readonly variable: string,
  ) {
    super(`${path}: environment variable ${variable} is not set (referenced as \${${variable}})`);
  }
}

const PATTERN = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * What to put in place of an unset variable instead of failing: for commands that read the config
 * but never use the settings concerned (`status` and `report` never call the target). Undefined
 * keeps the failure.
 */
export type OnMissingVariable = (path: string, variable: string, wholeValue: boolean) => string | undefined;

export function interpolateString(value: string, env: NodeJS.ProcessEnv, path: string, onMissing?: OnMissingVariable): string {
  return value.replace(PATTERN, (whole, escape: string, name: string, fallback: string | undefined) => {
    if (escape) return whole.slice(1);
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    const instead = onMissing?.(path, name, whole === value);
    if (instead !== undefined) return instead;
    throw new InterpolationError(path, name);
  });
}

export function interpolate(node: unknown, env: NodeJS.ProcessEnv, path = '', onMissing?: OnMissingVariable): unknown {
  if (typeof node === 'string') return interpolateString(node, env, path || '(root)', onMissing);
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, `${path}[${i}]`, onMissing));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k, onMissing)]),
    );
  }
  return node;
}

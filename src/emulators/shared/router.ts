import type { IncomingHttpHeaders } from 'node:http';

export interface EmuRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON; omitted for 204 and when undefined. */
  body?: unknown;
}

export type Handler = (req: EmuRequest) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  /** Literal segments and `:name` parameters, e.g. `/users-srv/user/purge/:sub`. */
  path: string;
  handler: Handler;
}

interface CompiledRoute {
  method: string;
  segments: string[];
  handler: Handler;
  /** `METHOD /path/:param`, as registered: what the emulator's per-route counters are keyed by. */
  name: string;
}

export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string>; route: string }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

/** Routes are tried in order, so register a literal path before a parameterised one that overlaps it. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(route: Route): this {
    this.routes.push({ method: route.method, segments: split(route.path), handler: route.handler, name: `${route.method} ${route.path}` });
    return this;
  }

  addAll(routes: readonly Route[]): this {
    for (const r of routes) this.add(r);
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const parts = split(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      if (route.method === method) return { kind: 'found', handler: route.handler, params, route: route.name };
      pathMatched = true;
    }
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(v);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = decoded;
    } else if (p !== v) {
      return undefined;
    }
  }
  return params;
}

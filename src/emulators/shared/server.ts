import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultInjector } from './faults.ts';
import { Recorder } from './recorder.ts';
import { Router, type EmuRequest, type Reply, type Route } from './router.ts';
import { countStatus } from './stats.ts';
import { ServiceTurns } from './turns.ts';
import type { CommonEmulatorOptions, EmulatorStats } from './types.ts';

export interface ServerSpec {
  options: CommonEmulatorOptions;
  /** Target API routes: counted, rate limited and subject to fault injection. */
  routes: readonly Route[];
  /** `/_emulator/...` routes: never faulted, never counted. */
  inspection: readonly Route[];
  stats: EmulatorStats;
  /** The target's own error body for a status and message. */
  errorReply(status: number, message: string): Reply;
  /** Headers on a 429 from the rate limiter (Cloudentity sends Retry-After, cidaas does not). */
  rateLimitHeaders(retryAfterSeconds: number): Record<string, string>;
}

export interface RunningServer {
  url: string;
  port: number;
  faults: FaultInjector;
  close(): Promise<void>;
}

const INSPECTION_PREFIX = '/_emulator/';

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const { options, stats } = spec;
  const api = new Router().addAll(spec.routes);
  const inspection = new Router().addAll(spec.inspection);
  const faults = new FaultInjector(options.faults, options.clock);
  const serving = new ServiceTurns();
  const recorder = options.record !== undefined ? new Recorder(options.record) : undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, spec.errorReply(500, 'emulator error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const method = req.method ?? 'GET';
    const isApi = !url.pathname.startsWith(INSPECTION_PREFIX);
    if (isApi) {
      stats.requests++;
      stats.inFlight++;
      if (stats.inFlight > stats.maxConcurrencySeen) stats.maxConcurrencySeen = stats.inFlight;
      res.once('close', () => {
        stats.inFlight--;
      });
    }
    const reply = (r: Reply): void => {
      if (isApi) countStatus(stats, r.status);
      send(res, r);
    };

    const body = await readBody(req, options.maxBodyBytes);
    if (body === undefined) return reply(spec.errorReply(413, 'request body too large'));
    recorder?.record(method, url.pathname, body, req.headers['content-type']);

    const router = isApi ? api : inspection;
    const match = router.match(method, url.pathname);
    if (match.kind === 'not-found') return reply(spec.errorReply(404, 'not found'));
    if (match.kind === 'method-not-allowed') return reply(spec.errorReply(405, 'method not allowed'));
    const request: EmuRequest = { method, path: url.pathname, params: match.params, query: url.searchParams, headers: req.headers, body };
    if (!isApi) return send(res, await match.handler(request));
    stats.byRoute[match.route] = (stats.byRoute[match.route] ?? 0) + 1;

    const limits = faults.options;
    if (limits.maxConcurrency > 0 && stats.inFlight > limits.maxConcurrency) {
      return reply(withHeaders(spec.errorReply(429, 'too many concurrent requests'), spec.rateLimitHeaders(1)));
    }
    const rate = faults.admitRate();
    if (!rate.ok) {
      return reply(withHeaders(spec.errorReply(429, 'rate limit exceeded'), spec.rateLimitHeaders(rate.retryAfterSeconds)));
    }
    const draw = faults.draw();
    if (draw.drop) {
      stats.dropped++;
      req.socket.destroy();
      return;
    }
    // Latency is service time counted from arrival (or from the turn, with a capacity), as a real
    // backend's would be: the emulator's own parsing and processing happen inside it, not on top of
    // it. The request is applied before the wait, so a client that gives up on a slow answer meets
    // the real "done, but the answer was lost" case, which only an idempotent retry survives.
    const leave = await serving.enter(limits.capacity);
    let result: Reply | undefined;
    try {
      const served = limits.capacity > 0 ? performance.now() : arrived;
      result = draw.faultStatus === undefined ? await match.handler(request) : undefined;
      const wait = served + draw.delayMs - performance.now();
      if (wait > 0) await sleep(wait);
    } finally {
      leave();
    }
    if (res.destroyed) return;
    if (result === undefined) {
      stats.injectedFaults++;
      return reply(spec.errorReply(draw.faultStatus ?? 500, 'injected fault'));
    }
    reply(result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    faults,
    async close() {
      // Slow responses and keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await recorder?.flush();
    },
  };
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = Buffer.byteLength(payload);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

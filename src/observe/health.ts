import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthSources {
  /** The process loop works (liveness). */
  live(): boolean;
  /** Every input is connected and the target answered (readiness). */
  ready(): Promise<{ ready: boolean; detail: Record<string, unknown> }>;
  metrics(): Promise<{ contentType: string; body: string }>;
}

/** `/healthz`, `/readyz` and `/metrics` on a port of their own, apart from the webhook input. */
export class HealthServer {
  private server: http.Server | undefined;

  constructor(private readonly sources: HealthSources) {}

  async start(host: string, port: number): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const a = server.address() as AddressInfo;
    return `http://${host}:${a.port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    try {
      if (path === '/healthz' || path === '/livez') {
        const ok = this.sources.live();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ live: ok }));
      } else if (path === '/readyz') {
        const r = await this.sources.ready();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r));
      } else if (path === '/metrics') {
        const m = await this.sources.metrics();
        res.writeHead(200, { 'content-type': m.contentType }).end(m.body);
      } else res.writeHead(404).end();
    } catch {
      res.writeHead(500).end();
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
  }
}

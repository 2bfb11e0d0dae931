import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Decoder } from '../envelope/index.ts';
import type { EventInput, InputSink } from '../input.ts';
import { verifySignature } from '../webhook-signature.ts';

export interface WebhookInputOptions {
  name: string;
  host: string;
  port: number;
  path: string;
  secrets: string[];
  toleranceSeconds: number;
  maxBodyBytes: number;
  decoder: Decoder;
  /** Counts rejected requests by reason (unsigned, stale, bad-signature, …) for metrics. */
  onRejected?: (reason: string) => void;
}

/**
 * Standard Webhooks receiver. The signature is checked over the raw body; the answer (2xx) is
 * sent only after the event is committed to the inbox, so a sender that sees 2xx may forget it.
 * A stale or unsigned request is refused with 401; a replay of an accepted `webhook-id` inside the
 * tolerance window is answered 200 but changes nothing (the inbox already has that id), which is
 * what a sender retrying after a lost answer needs.
 */
export class WebhookInput implements EventInput {
  readonly kind = 'webhook';
  readonly name: string;
  private server: http.Server | undefined;
  private live = false;
  private inFlight = 0;

  constructor(private readonly o: WebhookInputOptions) {
    this.name = o.name;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `http://${this.o.host}:${a.port}${this.o.path}` : '';
  }

  async start(sink: InputSink): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res, sink));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.live = true;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, sink: InputSink): Promise<void> {
    const reply = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const url = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || url !== this.o.path) return reply(404, { error: 'not found' });
    if (!this.live) return reply(503, { error: 'shutting down' });
    this.inFlight += 1;
    try {
      const body = await readBody(req, this.o.maxBodyBytes);
      if (body === undefined) {
        this.o.onRejected?.('too-large');
        return reply(413, { error: 'body too large' });
      }
      const v = verifySignature(req.headers, body, this.o.secrets, this.o.toleranceSeconds);
      if (!v.ok) {
        this.o.onRejected?.(v.reason);
        return reply(v.status, { error: v.reason });
      }
      const headers: Record<string, string> = {};
      for (const [k, val] of Object.entries(req.headers)) if (typeof val === 'string') headers[k] = val;
      const decoded = this.o.decoder({ body, headers, input: this.name, transportId: v.id });
      if (decoded === null) return reply(200, { status: 'ignored' });
      const r = await sink.ingest([decoded]);
      if (r.duplicates > 0) {
        this.o.onRejected?.('replay');
        return reply(200, { status: 'duplicate' });
      }
      return reply(decoded.ok ? 202 : 200, { status: decoded.ok ? 'accepted' : 'dead-lettered' });
    } catch {
      return reply(503, { error: 'not stored, retry' });
    } finally {
      this.inFlight -= 1;
    }
  }

  async stop(): Promise<void> {
    this.live = false;
    const server = this.server;
    if (!server) return;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  ready(): boolean {
    return this.live;
  }

  drained(): Promise<boolean> {
    return Promise.resolve(this.inFlight === 0);
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

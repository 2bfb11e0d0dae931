import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppendResult, IncomingEvent } from '../../../ledger/inbox/inbox.ts';
import type { Decoder } from '../../envelope/index.ts';
import type { DeliverySink, EventInput } from '../../input.ts';
import { MIN_TOKEN_CHARS, secretKeys, verifySignature, verifyToken, type VerifyResult } from './signature.ts';

export interface WebhookInputOptions {
  name: string;
  host: string;
  port: number;
  path: string;
  /** Standard Webhooks secrets (base64, `whsec_` optional); or `tokens` for senders that cannot sign. */
  secrets?: string[] | undefined;
  tokens?: string[] | undefined;
  toleranceSeconds: number;
  maxBodyBytes: number;
  maxConnections?: number | undefined;
  headersTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
  keepAliveTimeoutMs?: number | undefined;
  decoder: Decoder;
  /** Counts rejected requests by reason (unsigned, stale, bad-signature, too-large, …) for metrics. */
  onRejected?: (reason: string) => void;
}

/**
 * HTTP receiver of signed (Standard Webhooks) or token-authenticated requests. The signature is
 * checked over the raw body; a request is one delivery to the pump, committed on its own, and the
 * answer (2xx) is its ack: sent only after the events are committed to the inbox, so a sender that
 * sees 2xx may forget them; a failed commit (the nack) is answered 503. An unauthenticated, stale or tampered request is
 * refused with 401; a replay of an accepted event is answered 200 but changes nothing (the inbox
 * already has its id), which is what a sender retrying after a lost answer needs.
 *
 * Abuse is bounded: a body is read only up to `maxBodyBytes` (a larger one is answered 413 and the
 * connection closed, without reading the rest), connections are capped, and a sender that trickles
 * its headers or body is cut off after `headersTimeoutMs` / `requestTimeoutMs`.
 */
export class WebhookInput implements EventInput {
  readonly kind = 'webhook';
  readonly name: string;
  readonly decoder: Decoder;
  private server: http.Server | undefined;
  private live = false;
  private inFlight = 0;
  private readonly verify: (headers: http.IncomingHttpHeaders, body: Buffer) => VerifyResult;

  constructor(private readonly o: WebhookInputOptions) {
    this.name = o.name;
    this.decoder = o.decoder;
    // A secret or token that cannot authenticate anything is refused here, at start, never at the first request.
    if (o.secrets && o.secrets.length > 0) {
      const keys = secretKeys(o.secrets, `input ${o.name}`);
      this.verify = (h, b) => verifySignature(h, b, keys, o.toleranceSeconds);
    } else if (o.tokens && o.tokens.length > 0) {
      for (const t of o.tokens) {
        if (t.replace(/^Bearer\s+/i, '').length < MIN_TOKEN_CHARS) throw new Error(`input ${o.name}: webhook token is shorter than ${MIN_TOKEN_CHARS} characters`);
      }
      const tokens = o.tokens;
      this.verify = (h) => verifyToken(h, tokens);
    } else throw new Error(`input ${o.name}: a webhook input needs a secret or a token; it never runs unauthenticated`);
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `http://${this.o.host}:${a.port}${this.o.path}` : '';
  }

  get endpoint(): string {
    return `http://${this.o.host}:${this.o.port}${this.o.path}`;
  }

  async start(sink: DeliverySink): Promise<void> {
    const headersTimeout = this.o.headersTimeoutMs ?? 10_000;
    const server = http.createServer(
      {
        headersTimeout,
        requestTimeout: Math.max(headersTimeout + 1, this.o.requestTimeoutMs ?? 30_000),
        keepAliveTimeout: this.o.keepAliveTimeoutMs ?? 5_000,
        // Node checks the two timeouts above on this interval (30 s by default): often enough for them to mean something.
        connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 2))),
      },
      (req, res) => void this.handle(req, res, sink),
    );
    server.maxConnections = this.o.maxConnections ?? 256;
    // An idle socket (nothing sent for a request's time) is closed.
    server.setTimeout(this.o.requestTimeoutMs ?? 30_000, (socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.live = true;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, sink: DeliverySink): Promise<void> {
    const reply = (status: number, body: Record<string, unknown>, close = false) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(JSON.stringify(body));
    };
    const url = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || url !== this.o.path) {
      req.resume();
      return reply(404, { error: 'not found' });
    }
    if (!this.live) return reply(503, { error: 'shutting down' }, true);
    this.inFlight += 1;
    try {
      const body = await readBody(req, this.o.maxBodyBytes);
      if (body === undefined) {
        this.o.onRejected?.('too-large');
        reply(413, { error: 'body too large' }, true);
        // The rest of the body is not read: the connection goes once the answer is out.
        res.once('finish', () => req.destroy());
        return;
      }
      const v = this.verify(req.headers, body);
      if (!v.ok) {
        this.o.onRejected?.(v.reason);
        return reply(v.status, { error: v.reason });
      }
      const headers: Record<string, string> = {};
      for (const [k, val] of Object.entries(req.headers)) if (typeof val === 'string') headers[k] = val;
      const settled = await new Promise<{ events: IncomingEvent[]; stored: AppendResult } | undefined>((resolve) =>
        sink.deliver({
          raw: { body, headers, input: this.name, transportId: v.id === '' ? undefined : v.id },
          ack: (events, stored) => resolve({ events, stored }),
          nack: () => resolve(undefined),
        }),
      );
      if (!settled) return reply(503, { error: 'not stored, retry' });
      const { events: decoded, stored: r } = settled;
      if (r.duplicates > 0) this.o.onRejected?.('replay');
      if (decoded.length === 1) {
        const d = decoded[0]!;
        if (r.duplicates > 0) return reply(200, { status: 'duplicate' });
        if (!d.ok) return reply(200, { status: 'bad' in d ? 'dead-lettered' : 'ignored' });
        return reply(202, { status: 'accepted' });
      }
      return reply(r.accepted > 0 ? 202 : 200, { status: 'stored', accepted: r.accepted, duplicates: r.duplicates, deadLettered: r.dead, ignored: r.ignored ?? 0 });
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
    const until = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  ready(): boolean {
    return this.live;
  }

  drained(): Promise<boolean> {
    return Promise.resolve(this.inFlight === 0);
  }
}

/** The body, or undefined once it passes `max` (announced or read): nothing past the limit is read. */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > max) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        resolve(undefined);
      } else chunks.push(c);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncConfig } from '../../src/config/sync.ts';
import { EnvelopeConfig } from '../../src/stream/envelope/config.ts';
import type { IncomingEvent } from '../../src/ledger/inbox/inbox.ts';
import { createDecoder } from '../../src/stream/envelope/index.ts';
import { WebhookInput, type WebhookInputOptions } from '../../src/stream/inputs/webhook/webhook.ts';
import { Pump } from '../../src/stream/pump.ts';
import { secretKey, sign, verifySignature } from '../../src/stream/inputs/webhook/signature.ts';

const vectors = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/events/standard-webhooks-vectors.json'), 'utf8')) as {
  sign: { secret: string; msgId: string; timestamp: number; payload: string; signature: string };
  secretWithoutPrefix: string;
  invalidSignatures: string[];
  multiSignature: string;
};

describe('Standard Webhooks: the reference library test vectors', () => {
  const { secret, msgId, timestamp, payload, signature } = vectors.sign;
  const headers = (sig: string) => ({ 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': sig });
  const at = timestamp * 1000;
  it('signs as the reference implementation does, with the whsec_ prefix or without it', () => {
    expect(sign(secret, msgId, timestamp, payload)).toBe(signature);
    expect(sign(vectors.secretWithoutPrefix, msgId, timestamp, payload)).toBe(signature);
  });
  it('verifies the vector, among several signatures too, and refuses the invalid ones', () => {
    for (const s of [secret, vectors.secretWithoutPrefix]) {
      const key = secretKey(s) as Buffer;
      expect(verifySignature(headers(signature), Buffer.from(payload), [key], 300, at)).toMatchObject({ ok: true, id: msgId });
      expect(verifySignature(headers(vectors.multiSignature), Buffer.from(payload), [key], 300, at).ok).toBe(true);
      for (const bad of vectors.invalidSignatures) expect(verifySignature(headers(bad), Buffer.from(payload), [key], 300, at).ok).toBe(false);
      // Outside the 5-minute tolerance, both ways.
      expect(verifySignature(headers(signature), Buffer.from(payload), [key], 300, at + 301_000).ok).toBe(false);
      expect(verifySignature(headers(signature), Buffer.from(payload), [key], 300, at - 301_000).ok).toBe(false);
    }
  });
  it('refuses, naming why, a secret that is not base64 or decodes to fewer than 16 bytes (an empty key accepts forged requests)', () => {
    expect(secretKey('whsec_!!!! not base64')).toEqual({ error: expect.stringContaining('is not base64') });
    expect(secretKey(`whsec_${Buffer.from('short key').toString('base64')}`)).toEqual({ error: 'decodes to 9 bytes; at least 16 are needed' });
    expect(secretKey('whsec_')).toEqual({ error: 'decodes to 0 bytes; at least 16 are needed' });
    const opts = (secrets: string[]): WebhookInputOptions => ({ name: 'hook', host: '127.0.0.1', port: 0, path: '/events', secrets, toleranceSeconds: 300, maxBodyBytes: 1024, decoder: () => [] });
    expect(() => new WebhookInput(opts(['whsec_%%%%']))).toThrow(/^input hook: webhook secret is not base64/);
    expect(() => new WebhookInput(opts([vectors.sign.secret, 'whsec_c2hvcnQ=']))).toThrow(/^input hook: webhook secret #2 decodes to 5 bytes/);
    // The message never holds the secret itself.
    expect(() => new WebhookInput(opts(['whsec_c2hvcnQ=']))).not.toThrow(/c2hvcnQ/);
  });
  it('a webhook input needs exactly one of a secret or a token: never unauthenticated by accident', () => {
    const parse = (input: Record<string, unknown>) => SyncConfig.safeParse({ inputs: [{ kind: 'webhook', ...input }] });
    expect(parse({}).success).toBe(false);
    expect(parse({ secret: vectors.sign.secret, token: 'x'.repeat(20) }).success).toBe(false);
    expect(parse({ token: 'x'.repeat(20) }).success).toBe(true);
  });
});

type Got = IncomingEvent[][];

async function hook(over: Partial<WebhookInputOptions>): Promise<{ input: WebhookInput; got: Got; port: number }> {
  const got: Got = [];
  const input = new WebhookInput({
    name: 'hook',
    host: '127.0.0.1',
    port: 0,
    path: '/events',
    secrets: [vectors.sign.secret],
    toleranceSeconds: 300,
    maxBodyBytes: 64 * 1024,
    decoder: createDecoder(EnvelopeConfig.parse({ kind: 'cloudevents' }), {}),
    ...over,
  });
  const sink = {
    ingest: (events: IncomingEvent[]) => {
      got.push(events);
      return Promise.resolve({ accepted: events.filter((e) => e.ok).length, duplicates: 0, dead: events.filter((e) => !e.ok).length });
    },
  };
  await input.start(new Pump(input, sink, () => undefined));
  return { input, got, port: Number(new URL(input.url).port) };
}

const ce = (id: string, subject: string) => ({ specversion: '1.0', id, source: 'urn:t', type: 'user.updated', subject, sequence: '0001', data: { email: `${subject}@example.com` } });

describe('webhook input: authentication and batches', () => {
  let input: WebhookInput | undefined;
  afterEach(async () => {
    await input?.stop();
    input = undefined;
  });

  it('bearer-token mode (Debezium Server HTTP sink, Auth0 Log Streams): "Bearer <token>" or the token itself; anything else is 401', async () => {
    const token = 'k3y-0f-at-least-16-chars';
    const h = await hook({ secrets: undefined, tokens: [token] });
    input = h.input;
    const post = (headers: Record<string, string>) => fetch(h.input.url, { method: 'POST', body: JSON.stringify(ce('t1', 'u1')), headers: { 'content-type': 'application/json', ...headers } });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${token}` })).status).toBe(202);
    expect((await post({ authorization: token })).status).toBe(202);
    expect(h.got).toHaveLength(2);
    expect(() => new WebhookInput({ name: 'h', host: '127.0.0.1', port: 0, path: '/', tokens: ['short'], toleranceSeconds: 1, maxBodyBytes: 1, decoder: () => [] })).toThrow(/shorter than 16/);
  });

  it('takes a signed CloudEvents batch (application/cloudevents-batch+json) in one commit', async () => {
    const h = await hook({});
    input = h.input;
    const body = JSON.stringify([ce('b1', 'u1'), ce('b2', 'u2'), { specversion: '1.0' }]);
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(h.input.url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/cloudevents-batch+json', 'webhook-id': 'msg-batch', 'webhook-timestamp': String(ts), 'webhook-signature': sign(vectors.sign.secret, 'msg-batch', ts, body) },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'stored', accepted: 2, duplicates: 0, deadLettered: 1, ignored: 0 });
    expect(h.got).toHaveLength(1);
    expect(h.got[0]!.map((e) => (e.ok ? e.event.id : 'bad'))).toEqual(['b1', 'b2', 'bad']);
  });
});

/** Writes `total` bytes of a chunked body as fast as the server takes them; resolves with the answer's status line and the bytes written by then. */
function streamBody(port: number, total: number, chunk = 64 * 1024): Promise<{ status: string; sentWhenAnswered: number; sent: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let sent = 0;
    let status = '';
    let sentWhenAnswered = -1;
    const piece = Buffer.alloc(chunk, 0x61);
    const finish = () => resolve({ status, sentWhenAnswered: sentWhenAnswered < 0 ? sent : sentWhenAnswered, sent });
    socket.on('data', (d: Buffer) => {
      if (!status) {
        status = d.toString('latin1').split('\r\n')[0]!;
        sentWhenAnswered = sent;
      }
    });
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(`POST /events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
      const pump = () => {
        while (sent < total && !socket.destroyed) {
          sent += chunk;
          if (!socket.write(`${chunk.toString(16)}\r\n`) || !socket.write(piece) || !socket.write('\r\n')) return void socket.once('drain', pump);
        }
        if (!socket.destroyed) socket.end('0\r\n\r\n');
      };
      pump();
    });
  });
}

describe('webhook input: abuse is bounded', () => {
  let input: WebhookInput | undefined;
  afterEach(async () => {
    await input?.stop();
    input = undefined;
  });

  it('stops reading a body at the limit: 413 long before a 100 MB body is sent, and the connection closes', async () => {
    const h = await hook({ maxBodyBytes: 64 * 1024 });
    input = h.input;
    const r = await streamBody(h.port, 100 * 1024 * 1024);
    expect(r.status).toBe('HTTP/1.1 413 Payload Too Large');
    // What the kernel buffers aside, the server read next to nothing of the 100 MB.
    expect(r.sentWhenAnswered).toBeLessThan(16 * 1024 * 1024);
    expect(r.sent).toBeLessThan(32 * 1024 * 1024);
    // A body announced too large is refused without reading any of it.
    const res = await fetch(h.input.url, { method: 'POST', body: 'x'.repeat(70 * 1024), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(h.got).toHaveLength(0);
  }, 60_000);

  it('caps connections and cuts off senders that trickle their headers (slow-loris)', async () => {
    const h = await hook({ maxConnections: 8, headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    input = h.input;
    const sockets: net.Socket[] = [];
    const closedAt: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) {
      const s = net.connect(h.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closedAt.push(Date.now() - t0));
      s.on('connect', () => s.write('POST /events HTTP/1.1\r\nhost: x\r\n'));
      sockets.push(s);
    }
    // One header line every 200 ms: never a complete request.
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('x-slow: 1\r\n');
    }, 200);
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      // Beyond the cap at once, and the rest within the header timeout (checked every 250 ms).
      expect(closedAt.filter((t) => t < 400).length).toBeGreaterThanOrEqual(32);
      expect(closedAt).toHaveLength(40);
      expect(Math.max(...closedAt)).toBeLessThan(2_500);
      // The server still answers a real request.
      const res = await fetch(h.input.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(401);
    } finally {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
    }
  });
});

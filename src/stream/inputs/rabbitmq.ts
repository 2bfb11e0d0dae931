import amqp from 'amqplib';
import type { IncomingEvent } from '../../ledger/inbox.ts';
import type { Decoder } from '../envelope/index.ts';
import { redactUrl, type EventInput, type InputSink, type UpstreamBacklog } from '../input.ts';
import { Batcher } from '../batcher.ts';
import { sleep } from '../../delivery/aimd.ts';
import { backoffWithJitter } from '../../delivery/backoff.ts';

export interface RabbitInputOptions {
  name: string;
  url: string;
  queue: string;
  declare: boolean;
  arguments: Record<string, unknown>;
  prefetch: number;
  /** Longest wait of a message for others to share its inbox commit (the inbox groups arrivals anyway while busy). */
  lingerMs?: number;
  decoder: Decoder;
  onError?: (err: unknown) => void;
}

type Channel = amqp.Channel;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
type Message = amqp.ConsumeMessage;

/**
 * RabbitMQ queue with manual acks: a delivery is acked after its batch is committed to the inbox.
 * When the connection drops, unacked deliveries go back to the queue and the input reconnects with
 * backoff; the redeliveries are dropped by the inbox's dedupe.
 */
export class RabbitInput implements EventInput {
  readonly kind = 'rabbitmq';
  readonly name: string;
  private conn: amqp.ChannelModel | undefined;
  private channel: Channel | undefined;
  private stopped = false;
  private connected = false;
  private unacked = 0;
  private sink: InputSink | undefined;
  private reconnecting: Promise<void> | undefined;
  /** Cuts the reconnect loop's wait short on stop (a SIGTERM must not wait out a backoff). */
  private readonly stopping = new AbortController();

  constructor(private readonly o: RabbitInputOptions) {
    this.name = o.name;
  }

  get endpoint(): string {
    return `${redactUrl(this.o.url)} (queue ${this.o.queue})`;
  }

  async start(sink: InputSink): Promise<void> {
    this.sink = sink;
    // The first connection is not retried: a refused broker or wrong credentials fail the start.
    await this.connect();
  }

  private async connect(): Promise<void> {
    const o = this.o;
    const conn = await amqp.connect(o.url, { timeout: 10_000 });
    if (this.stopped) {
      await conn.close().catch(() => undefined);
      return;
    }
    const channel = await conn.createChannel();
    const onClose = () => {
      this.connected = false;
      if (!this.stopped) this.reconnecting ??= this.reconnect();
    };
    conn.on('error', (err: unknown) => o.onError?.(err));
    conn.on('close', onClose);
    if (o.declare) await channel.assertQueue(o.queue, { durable: true, arguments: o.arguments });
    await channel.prefetch(o.prefetch);
    const batcher = new Batcher<Message>(
      async (msgs) => {
        const events: IncomingEvent[] = [];
        for (const m of msgs) for (const e of this.decode(m)) events.push(e);
        if (events.length > 0) await this.sink?.ingest(events);
        const last = msgs[msgs.length - 1];
        // Deliveries on one channel are acked in order, so one multiple-ack covers the batch.
        if (last && this.channel === channel) channel.ack(last, true);
        this.unacked -= msgs.length;
      },
      o.prefetch,
      o.lingerMs ?? 2,
      (err) => o.onError?.(err),
    );
    await channel.consume(
      o.queue,
      (m) => {
        if (m === null) return;
        this.unacked += 1;
        batcher.push(m);
      },
      { noAck: false },
    );
    this.conn = conn;
    this.channel = channel;
    this.connected = true;
  }

  private async reconnect(): Promise<void> {
    this.unacked = 0;
    for (let attempt = 1; !this.stopped; attempt++) {
      await abortableSleep(backoffWithJitter(attempt, 250, 10_000), this.stopping.signal);
      if (this.stopped) break;
      try {
        await this.connect();
        break;
      } catch (err) {
        this.o.onError?.(err);
      }
    }
    this.reconnecting = undefined;
  }

  private decode(m: Message): IncomingEvent[] {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.properties.headers ?? {})) {
      if (typeof v === 'string') headers[k.toLowerCase()] = v;
      else if (typeof v === 'number') headers[k.toLowerCase()] = String(v);
    }
    if (typeof m.properties.contentType === 'string') headers['content-type'] = m.properties.contentType;
    const messageId = typeof m.properties.messageId === 'string' ? m.properties.messageId : undefined;
    return this.o.decoder({ body: m.content, headers, input: this.name, transportId: messageId });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    const started = Date.now();
    while (this.unacked > 0 && this.connected && Date.now() - started < 10_000) await sleep(10);
    await this.conn?.close().catch(() => undefined);
    this.connected = false;
  }

  ready(): boolean {
    return this.connected;
  }

  async upstream(): Promise<UpstreamBacklog | undefined> {
    if (!this.channel || !this.connected) return undefined;
    try {
      const q = await this.channel.checkQueue(this.o.queue);
      return { pending: q.messageCount + this.unacked };
    } catch {
      return undefined;
    }
  }

  async drained(): Promise<boolean> {
    if (!this.channel || !this.connected || this.unacked > 0) return false;
    try {
      const q = await this.channel.checkQueue(this.o.queue);
      return q.messageCount === 0 && this.unacked === 0;
    } catch {
      return false;
    }
  }
}

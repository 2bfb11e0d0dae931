import amqp from 'amqplib';
import type { Decoder, RawMessage } from '../../envelope/index.ts';
import { redactUrl, type Batching, type Delivery, type DeliverySink, type EventInput, type UpstreamBacklog } from '../../input.ts';
import { sleep } from '../../../delivery/aimd.ts';
import { backoffWithJitter } from '../../../delivery/backoff.ts';

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
 * RabbitMQ queue with manual acks: the pump acks a delivery after its batch is committed to the inbox.
 * When the connection drops, unacked deliveries go back to the queue and the input reconnects with
 * backoff; the redeliveries are dropped by the inbox's dedupe.
 */
export class RabbitInput implements EventInput {
  readonly kind = 'rabbitmq';
  readonly name: string;
  readonly decoder: Decoder;
  readonly batching: Batching;
  private conn: amqp.ChannelModel | undefined;
  private channel: Channel | undefined;
  private stopped = false;
  private connected = false;
  /** Deliveries on the current channel not yet acked or nacked (a reconnect starts again at 0: the broker requeued them). */
  private unacked = 0;
  private sink: DeliverySink | undefined;
  private reconnecting: Promise<void> | undefined;
  /** Cuts the reconnect loop's wait short on stop (a SIGTERM must not wait out a backoff). */
  private readonly stopping = new AbortController();

  constructor(private readonly o: RabbitInputOptions) {
    this.name = o.name;
    this.decoder = o.decoder;
    this.batching = { maxItems: o.prefetch, lingerMs: o.lingerMs ?? 2 };
  }

  get endpoint(): string {
    return `${redactUrl(this.o.url)} (queue ${this.o.queue})`;
  }

  async start(sink: DeliverySink): Promise<void> {
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
    await channel.consume(
      o.queue,
      (m) => {
        if (m === null) return;
        this.unacked += 1;
        this.sink?.deliver(this.delivery(m, channel));
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

  /** Settled on the channel it came on; once that is gone, the broker has requeued it already. */
  private delivery(m: Message, channel: Channel): Delivery {
    return {
      raw: this.raw(m),
      ack: () => {
        if (this.channel !== channel || !this.connected) return;
        channel.ack(m);
        this.unacked -= 1;
      },
      nack: () => {
        if (this.channel !== channel || !this.connected) return;
        channel.nack(m, false, true);
        this.unacked -= 1;
      },
    };
  }

  private raw(m: Message): RawMessage {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.properties.headers ?? {})) {
      if (typeof v === 'string') headers[k.toLowerCase()] = v;
      else if (typeof v === 'number') headers[k.toLowerCase()] = String(v);
    }
    if (typeof m.properties.contentType === 'string') headers['content-type'] = m.properties.contentType;
    const messageId = typeof m.properties.messageId === 'string' ? m.properties.messageId : undefined;
    return { body: m.content, headers, input: this.name, transportId: messageId };
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

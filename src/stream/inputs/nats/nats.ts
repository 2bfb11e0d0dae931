import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Decoder } from '../../envelope/index.ts';
import type { RawMessage } from '../../envelope/types.ts';
import type { Batching, Delivery, DeliverySink, EventInput, UpstreamBacklog } from '../../input.ts';

/** What `JsMsg.ack()` publishes to the message's reply subject. */
const ACK = new TextEncoder().encode('+ACK');
/** Redelivered after half a second: a nack follows a failed commit or a decoder that threw, not worth an instant retry. */
const NAK_LATER = new TextEncoder().encode(`-NAK ${JSON.stringify({ delay: 500_000_000 })}`);

export interface NatsInputOptions {
  name: string;
  servers: string | string[];
  stream: string;
  subjects: string[];
  durable: string;
  filterSubject?: string | undefined;
  ackWaitMs: number;
  maxAckPending: number;
  batch: number;
  /** The stream sequence breaks ties of events' own versions (default true). */
  sequenceTieBreak?: boolean;
  /** Longest wait of a message for others to share its inbox commit (the inbox groups arrivals anyway while busy). */
  lingerMs?: number;
  user?: string | undefined;
  pass?: string | undefined;
  token?: string | undefined;
  decoder: Decoder;
  onError?: (err: unknown) => void;
}

/**
 * A JetStream message as decoders see it. The transport id is read only by envelopes without an id
 * of their own, and the stream sequence in it is parsed out of the reply subject: it is a getter, on
 * the prototype (an object literal's own getter costs more to create than the parse it saves).
 */
class NatsRawMessage implements RawMessage {
  /** A view of the message, not a copy: decoders read it before they return. */
  readonly body: Buffer;

  constructor(
    private readonly m: JsMsg,
    readonly headers: Record<string, string>,
    readonly input: string,
    private readonly stream: string,
    private readonly tieBreak: boolean,
  ) {
    this.body = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  }

  get transportId(): string {
    return this.headers['nats-msg-id'] ?? `${this.stream}:${this.m.seq}`;
  }

  /** The stream sequence: the publisher's order, which a redelivery keeps. */
  get sequence(): number | undefined {
    return this.tieBreak ? this.m.seq : undefined;
  }
}

/** How long `stop` waits for the connection to drain; a broker that is away is not waited for. */
const DRAIN_TIMEOUT_MS = 3_000;

/**
 * JetStream durable pull consumer with explicit acks. The pump acks a message once the batch it is
 * in is committed to the inbox; a crash before that leaves it unacked and JetStream redelivers it
 * after `ack_wait` (the inbox drops the duplicate). The client reconnects by itself after a
 * server restart and the durable consumer resumes where the acks stopped.
 *
 * `consume()` streams (no wait for a batch to fill, which a bounded `fetch` would impose: its
 * shortest expiry is 1 s). On stop, messages already handed to us are nak'd for immediate
 * redelivery; those still on the wire come back after `ack_wait`, which is short because we ack
 * right after the inbox commit, not after the target call.
 */
export class NatsInput implements EventInput {
  readonly kind = 'nats';
  readonly name: string;
  readonly decoder: Decoder;
  readonly batching: Batching;
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private sink: DeliverySink | undefined;
  private stopped = false;
  /** False between a disconnect and the reconnect: readiness says so. */
  private connected = false;

  constructor(private readonly o: NatsInputOptions) {
    this.name = o.name;
    this.decoder = o.decoder;
    this.batching = { maxItems: o.batch, lingerMs: o.lingerMs ?? 2 };
  }

  get endpoint(): string {
    return `${[this.o.servers].flat().join(',')} (stream ${this.o.stream})`;
  }

  async start(sink: DeliverySink): Promise<void> {
    const o = this.o;
    this.sink = sink;
    // The first connection is not retried: a refused broker or wrong credentials fail the start.
    this.nc = await connect({
      servers: o.servers,
      user: o.user,
      pass: o.pass,
      token: o.token,
      name: `ciam-migrate-sync:${o.name}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 10_000,
    });
    this.connected = true;
    const nc = this.nc;
    void (async () => {
      for await (const st of nc.status()) {
        if (st.type === 'disconnect' || st.type === 'reconnecting' || st.type === 'close') this.connected = false;
        else if (st.type === 'reconnect') this.connected = true;
      }
    })().catch(() => undefined);
    const jsm = await jetstreamManager(this.nc);
    const streamExists = await jsm.streams.info(o.stream).then(
      () => true,
      () => false,
    );
    if (!streamExists) {
      if (o.subjects.length === 0) throw new Error(`NATS stream ${o.stream} does not exist and no subjects are configured to create it`);
      await jsm.streams.add({ name: o.stream, subjects: o.subjects, storage: StorageType.File });
    }
    const consumerExists = await jsm.consumers.info(o.stream, o.durable).then(
      () => true,
      () => false,
    );
    if (!consumerExists) {
      await jsm.consumers.add(o.stream, {
        durable_name: o.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: o.ackWaitMs * 1_000_000,
        max_ack_pending: o.maxAckPending,
        ...(o.filterSubject ? { filter_subject: o.filterSubject } : {}),
      });
    }
    const consumer = await jetstream(this.nc).consumers.get(o.stream, o.durable);
    this.messages = await consumer.consume({ max_messages: o.batch * 2 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) {
        // Delivered but not taken: hand it back now rather than after ack_wait.
        if (this.stopped) {
          m.nak();
          continue;
        }
        sink.deliver(this.delivery(m));
      }
    })().catch((err: unknown) => o.onError?.(err));
  }

  /**
   * The message and how to settle it. The ack and nack keep only the reply subject (which is what
   * `JsMsg.ack()` publishes to), not the message: the pump holds them until the batch is committed.
   */
  private delivery(m: JsMsg): Delivery {
    const headers: Record<string, string> = {};
    if (m.headers) for (const k of m.headers.keys()) headers[k.toLowerCase()] = m.headers.get(k);
    const raw = new NatsRawMessage(m, headers, this.name, this.o.stream, this.o.sequenceTieBreak ?? true);
    // `JsMsgImpl` has the reply subject (its `ack()` publishes there); the `JsMsg` interface does not say so.
    const reply = (m as JsMsg & { readonly reply?: unknown }).reply;
    if (typeof reply === 'string' && reply !== '') return this.viaReply(raw, reply);
    return { raw, ack: () => m.ack(), nack: () => m.nak(500) };
  }

  /** In a function of its own, so that the closures' context holds the subject and not the message. */
  private viaReply(raw: RawMessage, reply: string): Delivery {
    return {
      raw,
      ack: () => this.nc?.publish(reply, ACK),
      nack: () => this.nc?.publish(reply, NAK_LATER),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const timeout = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
    // While the broker is away, settling waits for an inbox commit only (acks are published to a
    // connection that buffers them), and draining would wait for a reconnect: both are bounded.
    await Promise.race([this.sink?.settled(), timeout(DRAIN_TIMEOUT_MS)]);
    this.messages?.stop();
    await Promise.race([this.loop, timeout(2000)]);
    await Promise.race([this.sink?.settled(), timeout(DRAIN_TIMEOUT_MS)]);
    const nc = this.nc;
    if (nc && !nc.isClosed()) {
      if (this.connected) await Promise.race([nc.drain().catch(() => undefined), timeout(DRAIN_TIMEOUT_MS)]);
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
  }

  ready(): boolean {
    return this.nc !== undefined && !this.nc.isClosed() && !this.stopped && this.connected;
  }

  async upstream(): Promise<UpstreamBacklog | undefined> {
    if (!this.nc || !this.connected) return undefined;
    try {
      const jsm = await jetstreamManager(this.nc);
      const info = await jsm.consumers.info(this.o.stream, this.o.durable);
      return { pending: info.num_pending + info.num_ack_pending };
    } catch {
      return undefined;
    }
  }

  /** Nothing pending or unacked on the durable consumer (a message in the pump is unacked there). */
  async drained(): Promise<boolean> {
    if (!this.nc) return false;
    try {
      const jsm = await jetstreamManager(this.nc);
      const info = await jsm.consumers.info(this.o.stream, this.o.durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    } catch {
      return false;
    }
  }
}

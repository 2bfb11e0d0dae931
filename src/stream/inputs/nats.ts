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
import type { IncomingEvent } from '../../ledger/inbox.ts';
import type { Decoder } from '../envelope/index.ts';
import type { RawMessage } from '../envelope/types.ts';
import type { EventInput, InputSink, UpstreamBacklog } from '../input.ts';
import { Batcher } from '../batcher.ts';

/**
 * A delivered message with what it decoded to (or why decoding threw). Of the message itself only
 * the subject its ack goes to is kept: a message waits here until its batch is committed, long
 * enough to outlive a young-generation collection, and the whole message (headers, body view, the
 * read buffer behind it) would then be copied and promoted with it.
 */
interface Received {
  /** The message's reply subject, or the message where the client does not expose one. */
  ackTo: string | JsMsg;
  events: IncomingEvent[];
  failed: unknown;
}

/** What `JsMsg.ack()` publishes to the message's reply subject. */
const ACK = new TextEncoder().encode('+ACK');

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
 * JetStream durable pull consumer with explicit acks. A message is acked only after the batch it is
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
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private batcher: Batcher<Received> | undefined;
  private stopped = false;
  /** False between a disconnect and the reconnect: readiness says so. */
  private connected = false;

  constructor(private readonly o: NatsInputOptions) {
    this.name = o.name;
  }

  get endpoint(): string {
    return `${[this.o.servers].flat().join(',')} (stream ${this.o.stream})`;
  }

  async start(sink: InputSink): Promise<void> {
    const o = this.o;
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
    // Messages are decoded as they arrive, while the previous batch is being committed, so the main
    // thread's decoding overlaps the inbox's commit instead of waiting for it; a flush only hands
    // over decoded events and acks once they are committed.
    this.batcher = new Batcher<Received>(
      async (items) => {
        const events: IncomingEvent[] = [];
        for (const r of items) {
          // A decoder that threw fails the batch: nothing in it is acked, JetStream redelivers it.
          if (r.failed !== undefined) throw r.failed;
          for (const e of r.events) events.push(e);
        }
        if (events.length > 0) await sink.ingest(events);
        const nc = this.nc;
        for (const r of items) {
          if (typeof r.ackTo !== 'string') r.ackTo.ack();
          else nc?.publish(r.ackTo, ACK);
        }
      },
      o.batch,
      o.lingerMs ?? 2,
      (err) => o.onError?.(err),
    );
    this.messages = await consumer.consume({ max_messages: o.batch * 2 });
    const messages = this.messages;
    const batcher = this.batcher;
    this.loop = (async () => {
      for await (const m of messages) {
        // Delivered but not taken: hand it back now rather than after ack_wait.
        if (this.stopped) {
          m.nak();
          continue;
        }
        // `JsMsgImpl` has the reply subject (its `ack()` publishes there); the `JsMsg` interface does not say so.
        const ackTo = (m as JsMsg & { readonly reply?: unknown }).reply;
        const ack = typeof ackTo === 'string' && ackTo !== '' ? ackTo : m;
        try {
          batcher.push({ ackTo: ack, events: this.decode(m), failed: undefined });
        } catch (err) {
          batcher.push({ ackTo: ack, events: [], failed: err });
        }
      }
    })().catch((err: unknown) => o.onError?.(err));
  }

  private decode(m: JsMsg): IncomingEvent[] {
    const headers: Record<string, string> = {};
    if (m.headers) for (const k of m.headers.keys()) headers[k.toLowerCase()] = m.headers.get(k);
    return this.o.decoder(new NatsRawMessage(m, headers, this.name, this.o.stream, this.o.sequenceTieBreak ?? true));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const timeout = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
    // While the broker is away, a flush waits for an inbox commit only (acks are published to a
    // connection that buffers them), and draining would wait for a reconnect: both are bounded.
    await Promise.race([this.batcher?.flush(), timeout(DRAIN_TIMEOUT_MS)]);
    this.messages?.stop();
    await Promise.race([this.loop, timeout(2000)]);
    await Promise.race([this.batcher?.flush(), timeout(DRAIN_TIMEOUT_MS)]);
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

  async drained(): Promise<boolean> {
    if (!this.nc || (this.batcher?.size ?? 0) > 0) return false;
    try {
      const jsm = await jetstreamManager(this.nc);
      const info = await jsm.consumers.info(this.o.stream, this.o.durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    } catch {
      return false;
    }
  }
}

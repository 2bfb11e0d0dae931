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
import type { EventInput, InputSink } from '../input.ts';
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
  event: IncomingEvent | null;
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
  ) {
    this.body = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  }

  get transportId(): string {
    return this.headers['nats-msg-id'] ?? `${this.stream}:${this.m.seq}`;
  }
}

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

  constructor(private readonly o: NatsInputOptions) {
    this.name = o.name;
  }

  async start(sink: InputSink): Promise<void> {
    const o = this.o;
    this.nc = await connect({
      servers: o.servers,
      user: o.user,
      pass: o.pass,
      token: o.token,
      name: `ciam-migrate-sync:${o.name}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
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
          if (r.event !== null) events.push(r.event);
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
          batcher.push({ ackTo: ack, event: this.decode(m), failed: undefined });
        } catch (err) {
          batcher.push({ ackTo: ack, event: null, failed: err });
        }
      }
    })().catch((err: unknown) => o.onError?.(err));
  }

  private decode(m: JsMsg): IncomingEvent | null {
    const headers: Record<string, string> = {};
    if (m.headers) for (const k of m.headers.keys()) headers[k.toLowerCase()] = m.headers.get(k);
    return this.o.decoder(new NatsRawMessage(m, headers, this.name, this.o.stream));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.batcher?.flush();
    this.messages?.stop();
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000))]);
    await this.batcher?.flush();
    await this.nc?.drain().catch(() => undefined);
  }

  ready(): boolean {
    return this.nc !== undefined && !this.nc.isClosed() && !this.stopped;
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

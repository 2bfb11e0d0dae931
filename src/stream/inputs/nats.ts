import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  StorageType,
  type Consumer,
  type JsMsg,
} from '@nats-io/jetstream';
import type { IncomingEvent } from '../../ledger/inbox.ts';
import type { Decoder } from '../envelope/index.ts';
import type { EventInput, InputSink } from '../input.ts';
import { sleep } from '../../delivery/aimd.ts';
import { backoffWithJitter } from '../../delivery/backoff.ts';

export interface NatsInputOptions {
  name: string;
  servers: string | string[];
  stream: string;
  subjects: string[];
  durable: string;
  filterSubject?: string | undefined;
  ackWaitMs: number;
  maxAckPending: number;
  /** Messages per fetch (and per inbox transaction). */
  batch: number;
  user?: string | undefined;
  pass?: string | undefined;
  token?: string | undefined;
  decoder: Decoder;
  onError?: (err: unknown) => void;
}

/**
 * JetStream durable pull consumer with explicit acks. A message is acked only after the batch it is
 * in is committed to the inbox; a crash before that leaves it unacked and JetStream redelivers it
 * after `ack_wait` (the inbox drops the duplicate). The client reconnects by itself after a
 * server restart and the durable consumer resumes where the acks stopped.
 */
export class NatsInput implements EventInput {
  readonly kind = 'nats';
  readonly name: string;
  private nc: NatsConnection | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private live = false;
  private inFlight = 0;

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
    this.live = true;
    this.loop = this.pullLoop(consumer, sink);
  }

  /**
   * Fetch, ingest, ack — with the next fetch already in flight. Bounded fetches (rather than an
   * endless `consume`) mean a stop never strands messages the server already sent: the batch in
   * flight is received in full, committed and acked before the input returns.
   */
  private async pullLoop(consumer: Consumer, sink: InputSink): Promise<void> {
    const fetchBatch = async (): Promise<JsMsg[]> => {
      const msgs: JsMsg[] = [];
      const iter = await consumer.fetch({ max_messages: this.o.batch, expires: 1000 });
      for await (const m of iter) msgs.push(m);
      return msgs;
    };
    let attempt = 0;
    let next: Promise<JsMsg[]> | undefined;
    while (!this.stopped || next) {
      try {
        const current = await (next ?? fetchBatch());
        next = this.stopped ? undefined : fetchBatch();
        // A fetch that fails while the current batch is ingested is retried by the loop.
        next?.catch(() => undefined);
        this.inFlight = current.length;
        if (current.length > 0) {
          const events: IncomingEvent[] = [];
          for (const m of current) {
            const e = this.decode(m);
            if (e !== null) events.push(e);
          }
          if (events.length > 0) await sink.ingest(events);
          for (const m of current) m.ack();
        }
        this.inFlight = 0;
        this.live = true;
        attempt = 0;
      } catch (err) {
        next = undefined;
        this.inFlight = 0;
        this.live = false;
        if (this.stopped) break;
        this.o.onError?.(err);
        await sleep(backoffWithJitter(++attempt, 200, 5000));
      }
    }
  }

  private decode(m: JsMsg): IncomingEvent | null {
    const headers: Record<string, string> = {};
    if (m.headers) for (const k of m.headers.keys()) headers[k.toLowerCase()] = m.headers.get(k);
    const transportId = headers['nats-msg-id'] ?? `${this.o.stream}:${m.seq}`;
    return this.o.decoder({ body: Buffer.from(m.data), headers, input: this.name, transportId });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.nc?.drain().catch(() => undefined);
  }

  ready(): boolean {
    return this.nc !== undefined && !this.nc.isClosed() && !this.stopped && this.live;
  }

  async drained(): Promise<boolean> {
    if (!this.nc || this.inFlight > 0) return false;
    try {
      const jsm = await jetstreamManager(this.nc);
      const info = await jsm.consumers.info(this.o.stream, this.o.durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    } catch {
      return false;
    }
  }
}

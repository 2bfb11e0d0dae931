import type { AppendResult, IncomingEvent } from '../ledger/inbox/inbox.ts';
import type { RawMessage } from './envelope/types.ts';

/** Where the pump hands decoded events. Resolves once they are durable: only then is anything acked. */
export interface InputSink {
  ingest(events: IncomingEvent[]): Promise<AppendResult>;
}

/** What waits upstream of an input: broker messages not yet delivered or acked, replication lag. */
export interface UpstreamBacklog {
  pending?: number | undefined;
  lagBytes?: number | undefined;
}

/**
 * One message as a transport received it, with how to settle it upstream. The pump (pump.ts) calls
 * exactly one of `ack` or `nack`, and `ack` only after the events the message decoded to are
 * committed to the inbox. Both run on the pump's schedule, not the input's: they must not throw.
 */
export interface Delivery<T = RawMessage> {
  readonly raw: T;
  /**
   * Stored: the input may forget the message (NATS ack, AMQP ack, HTTP 2xx, slot LSN). `events` is
   * what this message decoded to; `stored` what the commit that held them reported (for an input
   * whose messages are committed one by one, this message's alone).
   */
  ack(events: IncomingEvent[], stored: AppendResult): void;
  /** Not stored (the commit failed, the decoder threw, the sync is stopping): it must come again. */
  nack(err: unknown): void;
}

/** What an input hands its messages to (the pump). */
export interface DeliverySink<T = RawMessage> {
  deliver(d: Delivery<T>): void;
  /** Resolves once every message delivered so far is acked or nacked (for `stop`). */
  settled(): Promise<void>;
}

/**
 * How the pump groups an input's messages into inbox commits. Without it, every message is
 * committed on its own as soon as it arrives (a webhook request, a database transaction: each is
 * already a batch, and its answer or acknowledgement waits for its own commit).
 */
export interface Batching {
  /** A commit goes out once this many messages wait... */
  maxItems: number;
  /** ...or when the oldest has waited this long for company (the inbox groups arrivals anyway while busy). */
  lingerMs: number;
}

/**
 * An event input is transport only: it connects, receives, hands each message to the pump and acks
 * or nacks it when the pump says so. Decoding, batching, the inbox commit and the rule "ack only
 * after the commit" live once, in the pump.
 */
export interface EventInput<T = RawMessage> {
  readonly name: string;
  readonly kind: string;
  /** Where it listens or connects, without credentials (for start-up errors and logs). */
  readonly endpoint?: string;
  /** What a message of this input holds, as events (an envelope of envelope/, or the input's own). */
  readonly decoder: (raw: T) => IncomingEvent[];
  readonly batching?: Batching | undefined;
  /** Connects and starts consuming; resolves once the input is live (listening, subscribed); throws when it cannot. */
  start(sink: DeliverySink<T>): Promise<void>;
  /** Stops taking new messages and waits for those in flight to be settled; never hangs on a lost connection. */
  stop(): Promise<void>;
  /** Connected and consuming (for readiness): false while a broker connection is down. */
  ready(): boolean;
  /** Nothing is left upstream for us: no message pending or awaiting our ack. */
  drained(): Promise<boolean>;
  /** What waits upstream (for status and metrics); undefined when the input cannot tell. */
  upstream?(): Promise<UpstreamBacklog | undefined>;
  /**
   * After a `--until-drained` run stopped with everything drained and applied: clean-up that belongs
   * to the end of a migration (dropping a replication slot the legacy database would keep WAL for).
   */
  afterDrained?(): Promise<void>;
}

/**
 * An input whose messages may be of any type (for lists of inputs): only the input's own decoder
 * reads them, so nothing else needs to know the type.
 */
export type AnyEventInput = EventInput<never>;

/** A URL without its user name and password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

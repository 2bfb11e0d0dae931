import type { AppendResult, IncomingEvent } from '../ledger/inbox.ts';

/** Where inputs hand decoded events. Resolves once they are durable: only then may an input ack. */
export interface InputSink {
  ingest(events: IncomingEvent[]): Promise<AppendResult>;
}

/** What waits upstream of an input: broker messages not yet delivered or acked, replication lag. */
export interface UpstreamBacklog {
  pending?: number | undefined;
  lagBytes?: number | undefined;
}

export interface EventInput {
  readonly name: string;
  readonly kind: string;
  /** Where it listens or connects, without credentials (for start-up errors and logs). */
  readonly endpoint?: string;
  /** Connects and starts consuming; resolves once the input is live (listening, subscribed); throws when it cannot. */
  start(sink: InputSink): Promise<void>;
  /** Stops taking new messages and waits for those in flight to be ingested and acked; never hangs on a lost connection. */
  stop(): Promise<void>;
  /** Connected and consuming (for readiness): false while a broker connection is down. */
  ready(): boolean;
  /** Nothing is left upstream for us: no message pending or awaiting our ack. */
  drained(): Promise<boolean>;
  /** What waits upstream (for status and metrics); undefined when the input cannot tell. */
  upstream?(): Promise<UpstreamBacklog | undefined>;
}

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

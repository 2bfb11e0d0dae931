import type { AppendResult, IncomingEvent } from '../ledger/inbox.ts';

/** Where inputs hand decoded events. Resolves once they are durable: only then may an input ack. */
export interface InputSink {
  ingest(events: IncomingEvent[]): Promise<AppendResult>;
}

export interface EventInput {
  readonly name: string;
  readonly kind: string;
  /** Connects and starts consuming; resolves once the input is live (listening, subscribed). */
  start(sink: InputSink): Promise<void>;
  /** Stops taking new messages and waits for those in flight to be ingested and acked. */
  stop(): Promise<void>;
  /** Connected and consuming (for readiness). */
  ready(): boolean;
  /** Nothing is left upstream for us: no message pending or awaiting our ack. */
  drained(): Promise<boolean>;
}

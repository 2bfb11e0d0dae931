import type { IncomingEvent } from '../../ledger/inbox.ts';
import type { Mapper } from '../../mapping/index.ts';

/** One message as an input received it, before any interpretation. */
export interface RawMessage {
  body: Buffer | string;
  /** Lower-cased header names (HTTP headers, NATS headers, AMQP headers and properties). */
  headers: Record<string, string>;
  /** The input's name, used as the event `source` when the envelope has none. */
  input: string;
  /** A transport id (webhook-id, broker message id) used for dedupe when the envelope has none. */
  transportId?: string | undefined;
}

export interface DecodeContext {
  /** The migration's mapping, for envelopes whose data is a legacy record. */
  mapper?: Mapper | undefined;
}

/** `null`: nothing to apply (e.g. a Debezium tombstone) — acknowledge and move on. */
export type Decoder = (msg: RawMessage) => IncomingEvent | null;

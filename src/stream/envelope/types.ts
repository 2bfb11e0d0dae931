import type { IncomingEvent } from '../../ledger/inbox/inbox.ts';

/** One message as an input received it, before any interpretation. */
export interface RawMessage {
  body: Buffer | string;
  /** Lower-cased header names (HTTP headers, NATS headers, AMQP headers and properties). */
  headers: Record<string, string>;
  /** The input's name, used as the event `source` when the envelope has none. */
  input: string;
  /** A transport id (webhook-id, broker message id) used for dedupe when the envelope has none. */
  transportId?: string | undefined;
  /**
   * The broker's own position of the message (NATS stream sequence): orders two changes of one user
   * whose own versions tie. Absent where the transport has none (arrival order then decides).
   */
  sequence?: number | undefined;
}

export interface DecodeContext {
  /** The legacy id a legacy record names, per the migration's mapping (`fields.sourceId`). */
  subjectOf?: ((record: Record<string, unknown>) => string | undefined) | undefined;
}

/**
 * What a message holds: usually one event; several for a batch (CloudEvents batch mode, an Auth0
 * log stream request); `ignored` entries for messages that are not user changes.
 */
export type Decoder = (msg: RawMessage) => IncomingEvent[];

/** What a target said about one user of a call. The engine settles the ledger from these. */
export type Outcome =
  | { sourceId: string; kind: 'ok'; action: 'created' | 'updated' | 'deleted' }
  | {
      sourceId: string;
      kind: 'retryable';
      reason: string;
      retryAfterMs?: number;
      /** The target pushed back (429, 503): the engine lowers its concurrency. */
      throttled?: boolean;
      /**
       * The request went out and no answer came (a timeout, a connection lost mid-call): the target
       * may still apply it, later than a resend would be.
       */
      mayHaveLanded?: boolean;
    }
  | { sourceId: string; kind: 'rejected'; reason: string; code?: string };

export type OutcomeKind = Outcome['kind'];

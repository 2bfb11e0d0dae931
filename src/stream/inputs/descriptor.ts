import type { z } from 'zod';
import type { SyncMetrics } from '../../observe/metrics.ts';
import type { EnvelopeConfig } from '../envelope/config.ts';
import type { DecodeContext, Decoder } from '../envelope/types.ts';
import type { AnyEventInput } from '../input.ts';

/** What the sync hands an input it opens. */
export interface InputContext {
  /** The input's name: its `name:`, else `<kind>-<position>`. */
  readonly name: string;
  /** What decoders need of the migration (how a record's subject is found). */
  readonly decode: DecodeContext;
  /**
   * The decoder of an envelope. Handed in rather than imported, so that a descriptor, which every
   * config load reads, does not load the decoders.
   */
  decoder(envelope: EnvelopeConfig): Decoder;
  readonly metrics: SyncMetrics;
  /** An error of the running input (a lost connection, a failed reconnect): logged, the input goes on. */
  onError(err: unknown): void;
}

/**
 * One kind of event input, as the registry (registry.ts) lists it: its `kind:`, the schema of its
 * entry under `sync.inputs`, and how to open one. `src/config/sync.ts` builds the config schema from
 * every descriptor, so a descriptor is loaded with any migration.yaml, a bulk `run` too: it imports
 * its schema only, and `open` imports the transport (a broker's client) when a sync opens one.
 */
export interface InputDescriptor<S extends z.ZodType = z.ZodType> {
  /** The `kind:` its schema accepts. */
  readonly kind: string;
  readonly schema: S;
  /** The input, not started yet (the sync starts it with its pump); throws when the config cannot work (a secret too short). */
  open(config: z.output<S>, context: InputContext): Promise<AnyEventInput>;
}

import { z } from 'zod';
import { INPUTS } from '../stream/inputs/registry.ts';

/**
 * The `sync:` section of migration.yaml: event inputs, how their messages are read, and how the
 * sync applies them. Each input kind's entry is its own schema (`src/stream/inputs/<kind>/config.ts`),
 * taken from the registry of inputs.
 */

/** The schemas of a list of inputs, each with its own type (so `SyncInput` is the union of their types). */
type SchemasOf<T extends readonly { schema: z.ZodType }[]> = { -readonly [K in keyof T]: T[K]['schema'] };

// A plain union, not a discriminated one: its error messages and JSON Schema stay those of before.
export const SyncInput = z.union(INPUTS.map((d) => d.schema) as SchemasOf<typeof INPUTS>);
export type SyncInput = z.infer<typeof SyncInput>;

export const SyncConfig = z
  .object({
    inputs: z.array(SyncInput).min(1),
    /** Users per claim and per bulk call (capped by the target's maximum). */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /** Pending events taken per user per claim; the rest follow in order. */
    maxEventsPerUser: z.number().int().min(1).default(100),
    concurrency: z.number().int().min(1).max(256).default(8),
    initialConcurrency: z.number().int().min(1).default(4),
    maxAttempts: z.number().int().min(1).default(10),
    /** A claimed user's lease; renewed every third of it while the sync runs, so it only runs out when the process stops. */
    leaseMs: z.number().int().positive().default(60_000),
    /**
     * Users whose last call may still reach the target are sent again this long after, not at once:
     * the call got no answer (a timeout, a connection lost mid-call) or its sync process was killed
     * with it in flight, and a late call must not land after a newer one.
     */
    resendHoldMs: z.number().int().min(0).default(10_000),
    /** Applied events are kept this long for dedupe by id, then pruned (the version guard covers older replays). */
    retainHours: z.number().positive().default(168),
    /**
     * Users leased by the append that stored their events and applied from memory, with no claim
     * reading them back (only users with nothing else pending); default 2 × batchSize × concurrency;
     * 0 sends every user through a claim.
     */
    handoffUsers: z.number().int().min(0).optional(),
    /** Idle wait between polls of an empty inbox; appends wake the loop sooner. */
    pollMs: z.number().int().positive().default(50),
    /**
     * Deletes sent per rolling minute. Beyond it a delete is held, with the user's later changes, until
     * an operator releases them (`ciam-migrate sync -c … --release-deletes`); 0 turns the cap off.
     */
    maxDeletesPerMinute: z.number().int().min(0).default(1000),
    /**
     * While the target fails whole calls (refused, reset, timeout, 5xx, 429) nothing is dead-lettered:
     * one call probes it, first after `initialDelayMs`, then at doubling intervals up to `maxDelayMs`,
     * and once it answers every waiting user is sent at once.
     */
    outage: z
      .object({ initialDelayMs: z.number().int().positive().default(1_000), maxDelayMs: z.number().int().positive().default(30_000) })
      .strict()
      .prefault({}),
    /** An input that is not connected within this time at start fails the start (the process exits non-zero). */
    startTimeoutMs: z.number().int().positive().default(30_000),
    /** How often the running sync stores its view of the target and of what waits upstream, for `status`. */
    statusIntervalMs: z.number().int().positive().default(5_000),
    /** Health, readiness and Prometheus metrics; 0 picks a free port; omit to disable. */
    http: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) })
      .strict()
      .optional(),
    /** Inbox database; default: the bulk ledger's SQLite file (own tables, own connection). */
    inbox: z
      .object({
        kind: z.literal('sqlite'),
        path: z.string().min(1).optional(),
        synchronous: z.enum(['full', 'normal']).default('full'),
        /** SQLite on a thread of its own, with group commits: a second core for the inbox (measured ~1.4× the events/s). */
        thread: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SyncConfig = z.infer<typeof SyncConfig>;
export type SyncConfigInput = z.input<typeof SyncConfig>;

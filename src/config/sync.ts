import { z } from 'zod';
import { UserEventType } from '../model/event.ts';

/**
 * The `sync:` section of migration.yaml: event inputs, how their messages are read, and how the
 * sync applies them. The lead adds `sync: SyncConfig.optional()` to `MigrationConfig`; until then
 * `src/stream/config.ts` reads this section from the raw file itself.
 */

/** How to read a message body into a canonical event. */
export const EnvelopeConfig = z.discriminatedUnion('kind', [
  z
    .object({
      /** CloudEvents 1.0, structured (JSON body) or binary (`ce-*` headers) — detected per message. */
      kind: z.literal('cloudevents'),
      /** `canonical`: `data` is a canonical User; `mapped`: `data` is a legacy record for `mapping`. */
      data: z.enum(['canonical', 'mapped']).default('canonical'),
      /** Path inside `data` where the user record sits, e.g. `user`; empty = `data` itself. */
      dataPath: z.string().optional(),
      /** Envelope type → canonical event type, for producers with their own names. */
      types: z.record(z.string(), UserEventType).default({}),
    })
    .strict(),
  z
    .object({
      /** Debezium change events (`{schema, payload}` or bare payload); row images go through `mapping`. */
      kind: z.literal('debezium'),
      /** Row column holding the stored hash, to tell a `password_changed` from an `updated`. */
      passwordColumn: z.string().optional(),
      emailColumn: z.string().default('email'),
    })
    .strict(),
  z
    .object({
      /** Plain JSON messages described field by field (dotted paths into the body). */
      kind: z.literal('json'),
      id: z.string().default('id'),
      type: z.string().default('type'),
      version: z.string().default('version'),
      time: z.string().optional(),
      subject: z.string().optional(),
      /** Where the legacy user record is; empty = the whole body. It goes through `mapping`. */
      data: z.string().optional(),
      /** Message type value → canonical event type; unmapped values that already are canonical pass. */
      types: z.record(z.string(), UserEventType).default({}),
    })
    .strict(),
]);
export type EnvelopeConfig = z.infer<typeof EnvelopeConfig>;

const defaultEnvelope = { kind: 'cloudevents' as const };

export const WebhookInput = z
  .object({
    kind: z.literal('webhook'),
    name: z.string().optional(),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8088),
    path: z.string().startsWith('/').default('/events'),
    /** Standard Webhooks secret (`whsec_…` base64, or raw text); use ${ENV_VAR}. Several allow rotation. */
    secret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    toleranceSeconds: z.number().int().positive().default(300),
    maxBodyBytes: z.number().int().positive().default(1_048_576),
    envelope: EnvelopeConfig.prefault(defaultEnvelope),
  })
  .strict();

export const NatsInput = z
  .object({
    kind: z.literal('nats'),
    name: z.string().optional(),
    servers: z.union([z.string(), z.array(z.string())]).default('127.0.0.1:4222'),
    stream: z.string().min(1),
    /** Created when missing, with `subjects`. */
    subjects: z.array(z.string().min(1)).default([]),
    durable: z.string().min(1).default('ciam-migrate-sync'),
    filterSubject: z.string().optional(),
    /** Short is safe: a message is acked right after the inbox commit, not after the target call. */
    ackWaitMs: z.number().int().positive().default(10_000),
    maxAckPending: z.number().int().positive().default(20_000),
    /** Messages per pull. */
    batch: z.number().int().positive().default(500),
    /**
     * Longest wait of a message for others to share its inbox commit when the inbox is idle (a busy
     * inbox groups arrivals anyway). Longer costs latency and saves CPU at low rates: at 1,000
     * events/s, 25 ms measured ~30 % less process CPU per event for ~15 ms more lag.
     */
    lingerMs: z.number().int().min(0).max(1000).default(2),
    user: z.string().optional(),
    pass: z.string().optional(),
    token: z.string().optional(),
    envelope: EnvelopeConfig.prefault(defaultEnvelope),
  })
  .strict();

export const RabbitInput = z
  .object({
    kind: z.literal('rabbitmq'),
    name: z.string().optional(),
    url: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
    queue: z.string().min(1),
    /** Declare the queue (durable) when missing; with `arguments` such as x-queue-type: quorum. */
    declare: z.boolean().default(true),
    arguments: z.record(z.string(), z.unknown()).default({}),
    prefetch: z.number().int().positive().default(500),
    /**
     * Longest wait of a message for others to share its inbox commit when the inbox is idle (a busy
     * inbox groups arrivals anyway). Longer costs latency and saves CPU at low rates: at 1,000
     * events/s, 25 ms measured ~30 % less process CPU per event for ~15 ms more lag.
     */
    lingerMs: z.number().int().min(0).max(1000).default(2),
    envelope: EnvelopeConfig.prefault(defaultEnvelope),
  })
  .strict();

export const PostgresCdcInput = z
  .object({
    kind: z.literal('postgres-cdc'),
    name: z.string().optional(),
    url: z.string().min(1).describe('postgres://user@host:port/db; the role needs REPLICATION'),
    slot: z.string().regex(/^[a-z0-9_]+$/).default('ciam_migrate_sync'),
    publication: z.string().regex(/^[a-z0-9_]+$/).default('ciam_migrate_sync'),
    /** Create the publication for these tables when it is missing. */
    createPublication: z.boolean().default(true),
    /** A users table: each row change becomes an event; rows go through `mapping`. */
    usersTable: z.string().optional(),
    /** A transactional outbox table (Debezium layout: id, aggregateid, type, payload). */
    outboxTable: z.string().optional(),
    /** Outbox columns, for layouts other than Debezium's. */
    outbox: z
      .object({
        id: z.string().default('id'),
        subject: z.string().default('aggregateid'),
        type: z.string().default('type'),
        payload: z.string().default('payload'),
        /** `canonical` payloads are a User; `mapped` ones go through `mapping`. */
        data: z.enum(['canonical', 'mapped']).default('mapped'),
        types: z.record(z.string(), UserEventType).default({}),
      })
      .strict()
      .default({ id: 'id', subject: 'aggregateid', type: 'type', payload: 'payload', data: 'mapped', types: {} }),
    passwordColumn: z.string().optional(),
    emailColumn: z.string().default('email'),
    /** Drop the replication slot when the sync stops for good (`--until-drained`), so WAL is not retained. */
    dropSlotOnDrain: z.boolean().default(false),
  })
  .strict()
  .refine((c) => c.usersTable !== undefined || c.outboxTable !== undefined, {
    message: 'postgres-cdc needs usersTable, outboxTable or both',
  });

export const FileInput = z
  .object({
    kind: z.literal('file'),
    name: z.string().optional(),
    path: z.string().min(1).describe('NDJSON, one message per line'),
    envelope: EnvelopeConfig.prefault(defaultEnvelope),
  })
  .strict();

export const SyncInput = z.union([WebhookInput, NatsInput, RabbitInput, PostgresCdcInput, FileInput]);
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

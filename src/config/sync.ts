import { z } from 'zod';
import { UserEventType } from '../model/event.ts';

/**
 * The `sync:` section of migration.yaml: event inputs, how their messages are read, and how the
 * sync applies them. The lead adds `sync: SyncConfig.optional()` to `MigrationConfig`; until then
 * `src/stream/config.ts` reads this section from the raw file itself.
 */

/** How to read a message body into a canonical event (docs/events.md describes each). */
export const EnvelopeConfig = z.discriminatedUnion('kind', [
  z
    .object({
      /**
       * CloudEvents 1.0: structured (JSON body), binary (`ce-*` headers) and batch
       * (`application/cloudevents-batch+json`, a JSON array) — detected per message.
       */
      kind: z.literal('cloudevents'),
      /** `canonical`: `data` is a canonical User; `mapped`: `data` is a legacy record for `mapping`. */
      data: z.enum(['canonical', 'mapped']).default('canonical'),
      /** Path inside `data` where the user record sits, e.g. `user`; empty = `data` itself. */
      dataPath: z.string().optional(),
      /** Envelope type → canonical event type, for producers with their own names. */
      types: z.record(z.string(), UserEventType).default({}),
      /**
       * What orders a subject's events: `auto` takes `sequence` when an event has one, else `time`,
       * else arrival order. `sequence`, `time` and `arrival` insist on one (an event without it is a
       * dead letter, except for `arrival`, which ignores both).
       */
      order: z.enum(['auto', 'sequence', 'time', 'arrival']).default('auto'),
      /**
       * How `sequence` compares when the event has no `sequencetype`: `lexicographic` (the spec's
       * rule; unpadded integers whose string and number order disagree are refused with a reason) or
       * `integer` (decimal numbers of any length).
       */
      sequenceType: z.enum(['lexicographic', 'integer']).default('lexicographic'),
    })
    .strict(),
  z
    .object({
      /**
       * Debezium change events of PostgreSQL and MySQL/MariaDB, with or without the JsonConverter's
       * schema wrapper (`{schema, payload}` or the bare payload); row images go through `mapping`.
       */
      kind: z.literal('debezium'),
      /** Row column holding the stored hash, to tell a `password_changed` from an `updated`. */
      passwordColumn: z.string().optional(),
      emailColumn: z.string().default('email'),
      /** Debezium's stand-in for an unchanged TOASTed value (`unavailable.value.placeholder`): taken as "unchanged". */
      unavailableValuePlaceholder: z.string().default('__debezium_unavailable_value'),
    })
    .strict(),
  z
    .object({
      /** Plain JSON messages described field by field (dotted paths into the body). */
      kind: z.literal('json'),
      id: z.string().default('id'),
      type: z.string().default('type'),
      version: z.string().default('version'),
      /**
       * How the version compares: `auto` (an integer or a decimal string is an integer, an RFC 3339
       * string a time, anything else a string compared lexicographically), or one of them for all.
       */
      versionType: z.enum(['auto', 'integer', 'time', 'string']).default('auto'),
      time: z.string().optional(),
      subject: z.string().optional(),
      /** Where the legacy user record is; empty = the whole body. It goes through `mapping`. */
      data: z.string().optional(),
      /** Message type value → canonical event type; unmapped values that already are canonical pass. */
      types: z.record(z.string(), UserEventType).default({}),
    })
    .strict(),
  z
    .object({
      /**
       * Keycloak admin events (AdminEventRepresentation: operationType, resourceType USER,
       * resourcePath `users/<id>`, representation as a JSON string), as an event-listener SPI posts them.
       */
      kind: z.literal('keycloak'),
    })
    .strict(),
  z
    .object({
      /** Auth0 Log Streams (custom webhook): `{log_id, data}` records, as a JSON array, JSON lines or one object. */
      kind: z.literal('auth0'),
      /** Log type → canonical event type, added to the built-in ones (`ss`, `sdu`, `scp`, …; docs/events.md). */
      types: z.record(z.string(), UserEventType).default({}),
    })
    .strict(),
  z
    .object({
      /** Maxwell's Daemon row changes (`database`, `table`, `type`, `data`, `old`, `xid`, `xoffset`, `position`). */
      kind: z.literal('maxwell'),
      /** Only rows of this table are changes of users (`db.table` or `table`); others are ignored and counted. */
      table: z.string().optional(),
      passwordColumn: z.string().optional(),
      emailColumn: z.string().default('email'),
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
    /**
     * Standard Webhooks signing secret, as the reference libraries read it: base64, with or without
     * the `whsec_` prefix, at least 16 bytes once decoded; use ${ENV_VAR}. Several allow rotation.
     */
    secret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /**
     * For senders that cannot sign (Debezium Server's HTTP sink, Auth0 Log Streams): the request's
     * `Authorization` header must be `Bearer <token>` (or the token itself); at least 16 characters.
     */
    token: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    toleranceSeconds: z.number().int().positive().default(300),
    /** Largest request body; the server stops reading at this size and answers 413. */
    maxBodyBytes: z.number().int().positive().default(1_048_576),
    /** Connections open at once; more are refused (a slow sender cannot hold them all). */
    maxConnections: z.number().int().positive().default(256),
    /** Time to receive a request's headers, and the whole request; an idle keep-alive connection is closed after `keepAliveTimeoutMs`. */
    headersTimeoutMs: z.number().int().positive().default(10_000),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    keepAliveTimeoutMs: z.number().int().positive().default(5_000),
    envelope: EnvelopeConfig.prefault(defaultEnvelope),
  })
  .strict()
  .refine((c) => (c.secret === undefined) !== (c.token === undefined), {
    message: 'a webhook input needs exactly one of secret (Standard Webhooks signatures) or token (Authorization header); it never runs unauthenticated',
  });

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
    /** Use the JetStream stream sequence to order changes that tie on their own version (default on). */
    sequenceTieBreak: z.boolean().default(true),
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

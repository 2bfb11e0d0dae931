import { z } from 'zod';
import { UserEventType } from '../../model/event.ts';

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

/** What an input's `envelope:` is when it is left out: CloudEvents, canonical data. */
export const DEFAULT_ENVELOPE = { kind: 'cloudevents' as const };

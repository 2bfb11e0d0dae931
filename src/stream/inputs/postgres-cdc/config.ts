import { z } from 'zod';
import { UserEventType } from '../../../model/event.ts';

export const PostgresCdcInputConfig = z
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
export type PostgresCdcInputConfig = z.output<typeof PostgresCdcInputConfig>;

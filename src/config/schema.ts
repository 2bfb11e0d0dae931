import { z } from 'zod';
import { DEFAULT_HASH_LIMITS, type HashLimitName } from '../hashes/limits.ts';
import { Mapping } from './mapping.ts';
import { SourceConfig } from './source.ts';
import { SyncConfig } from './sync.ts';
import { TargetConfig } from './target.ts';

export const LedgerConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), path: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('postgres'), url: z.string().min(1) }).strict(),
]);

export const RunConfig = z
  .object({
    /** Upper bound for concurrent calls; adaptive concurrency never goes above it. */
    concurrency: z.number().int().min(1).max(256).default(8),
    initialConcurrency: z.number().int().min(1).default(2),
    /**
     * Adaptive concurrency stops growing, and steps down, while calls take more than this many
     * times as long as the fastest call so far: the target is queueing them. 0: grow on success alone.
     */
    queueingTolerance: z
      .number()
      .min(0)
      .refine((v) => v === 0 || v >= 1.2, 'either 0 (no check) or at least 1.2: every call takes longer than the fastest one')
      .default(2),
    maxAttempts: z.number().int().min(1).default(10),
    leaseMs: z.number().int().positive().default(120_000),
    /** Safety cap for `run --deletes`: never delete more than this many users or this share of the ledger. */
    maxDeletes: z.number().int().nonnegative().default(1000),
    maxDeletePercent: z.number().min(0).max(100).default(5),
    /** Time one bulk call is assumed to take, for plan's duration estimate (until a run has measured it). */
    assumedCallMs: z.number().int().positive().default(500),
    /**
     * Legacy users that share an email, phone or username (src/engine/identifier-policy.ts):
     * `first-wins` sends the first in source order and rejects the others, `reject-all` sends none
     * of them (the source is read twice), `send` lets the target decide.
     */
    duplicateIdentifiers: z.enum(['first-wins', 'reject-all', 'send']).default('first-wins'),
  })
  .strict();

/** Bounds on hash cost parameters before any verification (src/hashes/limits.ts); unset names keep their defaults. */
export const HashLimitsConfig = z
  .object(
    Object.fromEntries(Object.keys(DEFAULT_HASH_LIMITS).map((k) => [k, z.number().positive().optional()])) as Record<
      HashLimitName,
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .strict();

export const MigrationConfig = z
  .object({
    version: z.literal(1),
    /** Names the migration; also the ledger's identity. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, dot, dash and underscore'),
    source: SourceConfig,
    mapping: Mapping,
    target: TargetConfig,
    ledger: LedgerConfig.optional(),
    run: RunConfig.default(RunConfig.parse({})),
    /** Event-stream sync (`ciam-migrate sync`); absent for bulk-only migrations. */
    sync: SyncConfig.optional(),
    /** Upper bounds on hash cost parameters checked before a password is verified against a hash. */
    hashLimits: HashLimitsConfig.optional(),
  })
  .strict();
export type MigrationConfig = z.infer<typeof MigrationConfig>;

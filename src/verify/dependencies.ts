import type { MigrationConfig } from '../config/schema.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Mapper } from '../mapping/index.ts';
import type { Source } from '../sources/source.ts';
import type { TargetReader } from '../targets/target.ts';
import type { InboxLookup } from './inflight.ts';

/** What a verification reads and how hard it may press the target (its own file: every step of verify takes it). */
export interface VerifyDependencies {
  config: MigrationConfig;
  ledger: Ledger;
  source: Source;
  mapper: Mapper;
  reader: TargetReader;
  /** The sync's inbox, when there is one: users with events pending are in flight, not drifted. */
  inbox?: InboxLookup;
  /** Read about this many users, drawn at random, instead of all of them. */
  sample?: number;
  seed?: number;
  concurrency: { initial: number; max: number; queueingTolerance?: number };
  maxAttempts: number;
  /** Put missing and drifted users back in the ledger's queue for the next `run`. */
  requeue: boolean;
  /** Discard the progress of an unfinished verification and start again. */
  restart: boolean;
  /** Skip the listing of the target's users (it finds users the migration does not know of). */
  skipListing?: boolean;
  /** Findings kept per kind in the report. */
  maxFindings?: number;
  signal?: AbortSignal;
  onProgress?: (p: { phase: 'source' | 'ledger' | 'list'; judged: number; total: number }) => void;
}


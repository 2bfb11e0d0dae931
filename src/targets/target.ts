import type { Outcome, User } from '../model/index.ts';

/** One user as the engine hands it to a target: the canonical user plus what the ledger knows. */
export interface PlannedUser {
  sourceId: string;
  user: User;
  /** True when the ledger says the target already has this user (an earlier call succeeded). */
  knownToTarget: boolean;
}

export interface TargetCapabilities {
  /** Largest batch the API accepts and the batch size used unless configured otherwise. */
  maxBatch: number;
  defaultBatch: number;
  /** Canonical hash algorithms (model `HashAlgorithm`) the target can take as they are. */
  hashAlgorithms: ReadonlySet<string>;
  totpImport: boolean;
  /** False when the API answers for the whole request (the engine then bisects a refused batch). */
  perUserResults: boolean;
}

export interface Target {
  readonly name: string;
  readonly capabilities: TargetCapabilities;
  /** One outcome per input user, in any order. Never throws for per-user or HTTP failures. */
  upsert(users: PlannedUser[]): Promise<Outcome[]>;
  remove(sourceIds: string[]): Promise<Outcome[]>;
  close(): Promise<void>;
}

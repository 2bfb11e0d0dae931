/** Public shapes shared by both emulators. */

export interface FaultOptions {
  /** Seed for every random decision (jitter, 5xx, drops, slow responses, per-user failures). */
  seed: number;
  /** Fixed delay added to every API response. */
  latencyMs: number;
  /** Uniform random extra delay in [0, jitterMs). */
  jitterMs: number;
  /** Requests in flight above this answer 429 at once; 0 = unlimited. */
  maxConcurrency: number;
  /**
   * API requests the backend serves at once; the others wait their turn, in arrival order, before
   * their latency starts (a backend that queues under load instead of refusing); 0 = unlimited.
   */
  capacity: number;
  /** Sustained requests per second (token bucket); 0 = unlimited. */
  rateLimit: number;
  /** Bucket size for `rateLimit`; defaults to max(1, rateLimit). */
  burst: number;
  /** Probability that an API request answers a 5xx chosen from `faultStatuses`. */
  faultRate: number;
  faultStatuses: number[];
  /** Probability that the socket is destroyed without an answer. */
  dropRate: number;
  /** Probability of a very slow answer, delayed by `slowMs`. */
  slowRate: number;
  slowMs: number;
  /**
   * Probability that a given user is rejected. Sticky per user id (a hash of seed + id), so a retry
   * or a bisection of the batch meets the same verdict for the same user.
   */
  userFailureRate: number;
}

export const DEFAULT_FAULTS: FaultOptions = {
  seed: 1,
  latencyMs: 0,
  jitterMs: 0,
  maxConcurrency: 0,
  capacity: 0,
  rateLimit: 0,
  burst: 0,
  faultRate: 0,
  faultStatuses: [500, 502, 503],
  dropRate: 0,
  slowRate: 0,
  slowMs: 30_000,
  userFailureRate: 0,
};

export interface EmulatorStats {
  /** API requests (inspection routes under /_emulator are not counted). */
  requests: number;
  byStatus: Record<string, number>;
  /** API requests per route, keyed `METHOD /path/:param` as the route is registered. */
  byRoute: Record<string, number>;
  rateLimited: number;
  dropped: number;
  injectedFaults: number;
  inFlight: number;
  maxConcurrencySeen: number;
  usersCreated: number;
  usersUpdated: number;
  usersFailed: number;
  usersDeleted: number;
}

export interface EmulatorHandle {
  /** http://HOST:PORT without a trailing slash. */
  url: string;
  port: number;
  stats(): EmulatorStats;
  /** The fault settings in force: a change applies from the next request on (tests). */
  faults: FaultOptions;
  /** Forget all users, counters and fault state; issued tokens stay valid. */
  reset(): void;
  close(): Promise<void>;
}

/** Clock in epoch milliseconds; injectable so tests can expire tokens and refill rate buckets exactly. */
export type Clock = () => number;

export interface CommonEmulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  faults: FaultOptions;
  /** Directory that receives every request body, one file per request. */
  record?: string | undefined;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  clock: Clock;
}

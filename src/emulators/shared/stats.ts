import type { EmulatorStats } from './types.ts';

export function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    byStatus: {},
    byRoute: {},
    rateLimited: 0,
    dropped: 0,
    injectedFaults: 0,
    inFlight: 0,
    maxConcurrencySeen: 0,
    usersCreated: 0,
    usersUpdated: 0,
    usersFailed: 0,
    usersDeleted: 0,
  };
}

export function countStatus(stats: EmulatorStats, status: number): void {
  const key = String(status);
  stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  if (status === 429) stats.rateLimited++;
}
